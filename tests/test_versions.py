"""A unit's new version of a ledger is compared with the one it replaces (issue 26 item 4)."""

from __future__ import annotations

import pandas as pd
import pytest

from sprint.domain.versions import compare
from tests.factories import beijing, drop, labor_ledger, make_ledger

pytestmark = pytest.mark.integration


def _versions():
    """Version 1: 5 workers. Version 2: the 5th left (删除1行), the 1st and 2nd earn more
    (修改2行), and 3 workers of another draw come in (新增3行): 5 - 1 + 3 = 7 rows."""
    first = make_ledger("220881", 5, seed=3)
    second = first.iloc[:4].copy()
    second.loc[second.index[:2], "月收入(元)"] = second["月收入(元)"].iloc[:2] + 100
    newcomers = make_ledger("220881", 3, seed=99)
    second = pd.concat([second, newcomers], ignore_index=True)
    second["序号"] = range(1, len(second) + 1)  # renumbered: not a change of any worker
    return first, second, newcomers


def test_the_difference_is_counted_on_the_key_column():
    """Keyed on 身份证号 (the template's unique column): 3 added, 1 removed, 2 changed;
    the renumbered 序号 is no change."""
    first, second, newcomers = _versions()
    changes = compare(first, second, "身份证号", ["序号", "姓名", "月收入(元)"], ignore=["序号"])
    assert changes.counts() == (3, 1, 2)
    assert changes.summary() == "较上一版：新增3行，删除1行，修改2行"
    assert {c.key for c in changes.added} == set(newcomers["身份证号"])
    assert [c.key for c in changes.removed] == [first["身份证号"].iloc[4]]
    assert all(c.columns == ("月收入(元)",) for c in changes.changed)


def test_a_new_version_is_accepted_with_its_difference_and_both_are_kept(
        prefect_server, home, sink):
    """洮南市 sends its labor ledger on 10-07 and a corrected one on 10-08, both for the period
    due 10-09 ("双周报送"). The second acceptance says what changed, worked by hand in
    `_versions`: 较上一版：新增3行，删除1行，修改2行, and lists the IDs in full (it goes to the
    unit itself). Both files stay kept."""
    first, second, newcomers = _versions()
    inbox = home / "inbox"
    drop(inbox, "220881", "台账v1.xlsx", first, "2020-10-07 10:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    drop(inbox, "220881", "台账v2.xlsx", second, "2020-10-08 10:00")
    before = len(sink.handler.received)
    state = labor_ledger(as_of=beijing("2020-10-08 12:00"), return_state=True)
    assert state.is_completed(), state.message
    [mail] = [m for r, m in sink.handler.received[before:]
              if r == ["taonan@example.org"] and m["Subject"].startswith("【百日冲刺】已接收：")]
    body = mail.get_body(("plain",)).get_content()
    assert "较上一版：新增3行，删除1行，修改2行" in body
    for person in newcomers["身份证号"]:
        assert f"新增：身份证号 {person}" in body
    assert f"删除：身份证号 {first['身份证号'].iloc[4]}" in body
    assert f"修改：身份证号 {first['身份证号'].iloc[0]}" in body and "（月收入(元)）" in body
    kept = sorted(p.name for p in (home / "var" / "kept" / "220881").iterdir())
    assert any(n.endswith("台账v1.xlsx") for n in kept) and any(n.endswith("台账v2.xlsx") for n in kept)
