"""A unit whose figures did not change sends last month's ledger again: that is this month's
report, not a copy to ignore (issue 22 item 4)."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from flows.duties import duties
from sprint.demo import target_rows as dl
from sprint.domain.calendar import BEIJING
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration


def again(path, name, at):
    """The same bytes under the name the unit gave them, arriving at `at` (Beijing time)."""
    copy = path.with_name(name)
    shutil.copyfile(path, copy)
    stamp = dt.datetime.fromisoformat(at).replace(tzinfo=BEIJING).timestamp()
    os.utime(copy, (stamp, stamp))
    return copy


def to_zhenlai(sink, since=0):
    return [m["Subject"] for r, m in sink.handler.received[since:] if r == ["zhenlai@example.org"]]


def test_an_unchanged_ledger_sent_for_a_new_month_counts_for_that_month(
        prefect_server, home, sink):
    """The counters ledger is monthly ("全市完成布放运营消费扶贫专柜300台": a stock the county
    reports each month-end; the office's cadence 每月月底报送). 镇赉县 sends its ledger on
    10-28 (October: due 10-30 17:00, the last working day of the month) and, nothing having changed, the same
    file again on 11-27 as “11月专柜台账.xlsx”. By hand: 11-27 is after October's due time and
    before November's (11-30 17:00): November, on time. The acceptance names the file as sent
    and November; no November reminder says 已逾期. The same bytes a third time on 11-28 (the
    same period) are a no-op: nothing is sent."""
    inbox = home / "inbox"
    october = drop(inbox, "220821", "10月专柜台账.xlsx",
                   dl.counter_rows("220821", 100, 2, 1, dt.date(2020, 10, 28)), "2020-10-28 10:00")
    duties(flow="target-ledgers", as_of=beijing("2020-10-30 12:00"))
    assert any("计入报送期2020-10-01至2020-10-31（按时）" in s for s in to_zhenlai(sink)
               if s.startswith("【百日冲刺】已接收：镇赉县《消费扶贫专柜专区专馆台账》"))

    again(october, "11月专柜台账.xlsx", "2020-11-27 09:00")
    before = len(sink.handler.received)
    state = duties(flow="target-ledgers", as_of=beijing("2020-12-01 12:00"), return_state=True)
    assert state.is_completed(), state.message
    subjects = to_zhenlai(sink, before)
    [accepted] = [s for s in subjects if s.startswith("【百日冲刺】已接收：")]
    assert "《消费扶贫专柜专区专馆台账》3行，计入报送期2020-11-01至2020-11-30（按时）" in accepted
    [mail] = [m for r, m in sink.handler.received[before:] if m["Subject"] == accepted]
    body = mail.get_body(("plain",)).get_content()
    assert "报送的文件“11月专柜台账.xlsx”已通过校验并接收" in body
    reminders = [m.get_body(("plain",)).get_content() for r, m in sink.handler.received[before:]
                 if r == ["zhenlai@example.org"] and m["Subject"] != accepted]
    assert not any("消费扶贫专柜专区专馆台账" in text and "已逾期" in text for text in reminders)

    again(october, "11月专柜台账（再次）.xlsx", "2020-11-28 09:00")
    before = len(sink.handler.received)
    duties(flow="target-ledgers", as_of=beijing("2020-12-01 12:30"))
    assert not [s for s in to_zhenlai(sink, before) if s.startswith("【百日冲刺】已接收：")]


def test_a_store_of_the_earlier_key_takes_the_same_content_for_a_new_period(tmp_path):
    """A store written when content was recorded once for good keeps its receipts and, opened
    now, records the same bytes once per period (and still only once for one period)."""
    import sqlalchemy as sa

    from sprint.store.store import Store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE submissions (id INTEGER NOT NULL, unit VARCHAR(40) NOT NULL, "
            "sha256 VARCHAR(64) NOT NULL, file_name TEXT NOT NULL, kept_path TEXT NOT NULL, "
            "received_at DATETIME NOT NULL, duty VARCHAR(60), period VARCHAR(20), "
            "template VARCHAR(60), verdict VARCHAR(10) NOT NULL, rows INTEGER NOT NULL, "
            "problems TEXT NOT NULL, notes INTEGER NOT NULL, PRIMARY KEY (id), "
            "CONSTRAINT one_record_per_content UNIQUE (unit, sha256))")
        conn.exec_driver_sql(
            "INSERT INTO submissions VALUES (1, '220821', 'ab', 'a.xlsx', 'k', "
            "'2020-10-28 02:00:00', 'consumption-counters', '2020-10-31', 'counters', "
            "'accepted', 3, '[]', 0)")
    engine.dispose()
    store = Store(url)
    fields = dict(unit="220821", sha256="ab", file_name="b.xlsx", kept_path="k2",
                  received_at=beijing("2020-11-27 09:00"), duty="consumption-counters",
                  template="counters", verdict="accepted", rows=3)
    assert store.record(**fields, period="2020-11-30")
    assert not store.record(**fields, period="2020-11-30")
    assert [r.period for r in store.receipts()] == ["2020-10-31", "2020-11-30"]
    Store(url)  # opened again: nothing left to change
