"""Cross-checks between ledgers and periods: warnings in the unit's acceptance, never a refusal
unless the plan says so (issue 26 item 3). The rules and thresholds are the plan's `checks`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from flows.duties import duties
from sprint.demo import target_rows as dl
from tests.factories import beijing, drop, labor_ledger, make_ledger

pytestmark = pytest.mark.integration


def _acceptance(sink, address, since=0):
    [mail] = [m for r, m in sink.handler.received[since:]
              if r == [address] and m["Subject"].startswith("【百日冲刺】已接收：")]
    return mail.get_body(("plain",)).get_content()


def test_one_person_in_two_counties_and_a_copied_ledger_are_warned(prefect_server, home, sink):
    """Labor ledger, period due 10-09 ("以县为单位，建立《贫困劳动力转移就业台账》"): a worker is
    counted by one county. 洮南市 sends 5 workers on 10-07; 大安市 sends 4 of its own and the
    first of 洮南市's (one ID in two units' ledgers of the same period); 镇赉县 sends 洮南市's
    5 rows unchanged (a ledger identical to another unit's). Both files are accepted, each
    with its warning; 洮南市, first to send, is not warned."""
    taonan = make_ledger("220881", 5, seed=3)
    daan = pd.concat([make_ledger("220882", 4, seed=4), taonan.iloc[:1]], ignore_index=True)
    inbox = home / "inbox"
    drop(inbox, "220881", "洮南.xlsx", taonan, "2020-10-07 09:00")
    drop(inbox, "220882", "大安.xlsx", daan, "2020-10-07 10:00")
    drop(inbox, "220821", "镇赉.xlsx", taonan, "2020-10-07 11:00")
    state = labor_ledger(as_of=beijing("2020-10-07 12:00"), return_state=True)
    assert state.is_completed(), state.message
    person = taonan["身份证号"].iloc[0]
    body = _acceptance(sink, "daan@example.org")
    assert "交叉核查提示（不影响接收，请核实）" in body
    assert f"身份证号 {person} 也在洮南市同一报送期的台账中" in body
    body = _acceptance(sink, "zhenlai@example.org")
    assert "与洮南市同一报送期的台账内容完全相同" in body
    assert "交叉核查" not in _acceptance(sink, "taonan@example.org")


def test_a_stock_that_halves_between_months_is_warned(prefect_server, home, sink):
    """Counters ("全市完成布放运营消费扶贫专柜300台") are a stock: 镇赉县 reports 100 counters
    operating (+2 zones of 1 = 102) for October and 40 (+2 = 42) for November. By hand:
    42 < 102 × 50 % = 51, below the plan's threshold `below: 0.5`: a warning, and the
    November file is still accepted."""
    inbox = home / "inbox"
    drop(inbox, "220821", "10月.xlsx", dl.counter_rows("220821", 100, 2, 1, dt.date(2020, 10, 28)),
         "2020-10-28 10:00")
    duties(flow="target-ledgers", as_of=beijing("2020-10-30 12:00"))
    drop(inbox, "220821", "11月.xlsx", dl.counter_rows("220821", 40, 2, 1, dt.date(2020, 11, 27)),
         "2020-11-27 10:00")
    before = len(sink.handler.received)
    state = duties(flow="target-ledgers", as_of=beijing("2020-11-27 12:00"), return_state=True)
    assert state.is_completed(), state.message
    body = _acceptance(sink, "zhenlai@example.org", before)
    assert "运营中的“数量(台)”合计由上期 102 变为 42，不到上期的 50%" in body


def test_the_weekly_dispatch_lists_the_findings_of_the_week_with_ids_masked(
        prefect_server, home, sink):
    """The weekly dispatch ("市扶贫办将建立周调度机制") closing the week to 10-09 has a section
    of the week's cross-check findings: 大安市's worker also in 洮南市's ledger, the ID shown
    as its first 6 and last 4 digits (the report goes to the office, not the unit)."""
    taonan = make_ledger("220881", 5, seed=3)
    daan = pd.concat([make_ledger("220882", 4, seed=4), taonan.iloc[:1]], ignore_index=True)
    inbox = home / "inbox"
    drop(inbox, "220881", "洮南.xlsx", taonan, "2020-10-07 09:00")
    drop(inbox, "220882", "大安.xlsx", daan, "2020-10-07 10:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    before = len(sink.handler.received)
    state = duties(flow="weekly-dispatch", as_of=beijing("2020-10-09 17:30"), return_state=True)
    assert state.is_completed(), state.message
    [report] = [m for r, m in sink.handler.received[before:] if "周调度" in m["Subject"]]
    text = report.get_body(("plain",)).get_content()
    section = text.split("本周交叉核查发现（提示，未退回）：")[1].split("\n\n")[0]
    person = taonan["身份证号"].iloc[0]
    masked = person[:6] + "********" + person[-4:]
    assert f"- 大安市《贫困劳动力转移就业台账》“大安.xlsx”：第6行：身份证号 {masked} 也在洮南市" in section
    assert person not in text
