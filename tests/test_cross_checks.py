"""Cross-checks between ledgers and periods: warnings in the unit's acceptance, never a refusal
unless the plan says so (issue 26 item 3). The rules and thresholds are the plan's `checks`."""

from __future__ import annotations

import datetime as dt
import logging

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


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


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
    logged = _Lines()
    logging.getLogger("prefect.task_runs").addHandler(logged)
    try:
        state = labor_ledger(as_of=beijing("2020-10-07 12:00"), return_state=True)
    finally:
        logging.getLogger("prefect.task_runs").removeHandler(logged)
    assert state.is_completed(), state.message
    person = taonan["身份证号"].iloc[0]
    # the run log names the finding with the ID masked (first 6 and last 4); the reply in full
    said = [line for line in logged.lines if "交叉核查" in line]
    assert said and not any(person in line for line in logged.lines)
    assert any(f"{person[:6]}********{person[-4:]}" in line for line in said), said
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


def test_the_dispatch_shows_five_findings_of_a_file_and_counts_the_rest(prefect_server, home, sink):
    """A county whose ledger lists many people of another's has a finding on each of those rows:
    镇赉县's 11 workers for the period due 10-09 include 洮南市's 8 (their ID numbers and names
    in 镇赉县's own townships), so 8 IDs are also in 洮南市's ledger: 8 findings (not a copy: 3
    rows are 镇赉县's own). Its acceptance lists them all (up to 20); the office's weekly
    dispatch, which lists every unit's files of the week, shows the first 5 of that file and
    says 另有 3 条 (8 - 5), so one file of 500 such rows does not make a report of 500 lines."""
    taonan = make_ledger("220881", 8, seed=3)
    zhenlai = make_ledger("220821", 11, seed=5)
    zhenlai.loc[3:, ["姓名", "身份证号"]] = taonan[["姓名", "身份证号"]].to_numpy()
    inbox = home / "inbox"
    drop(inbox, "220881", "洮南.xlsx", taonan, "2020-10-07 09:00")
    drop(inbox, "220821", "镇赉.xlsx", zhenlai, "2020-10-07 11:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    accepted = _acceptance(sink, "zhenlai@example.org")
    assert "台账内容完全相同" not in accepted
    assert accepted.count("也在洮南市同一报送期的台账中") == 8
    before = len(sink.handler.received)
    duties(flow="weekly-dispatch", as_of=beijing("2020-10-09 17:30"))
    [report] = [m for r, m in sink.handler.received[before:] if "周调度" in m["Subject"]]
    text = report.get_body(("plain",)).get_content()
    section = text.split("本周交叉核查发现（提示，未退回）：")[1].split("\n\n")[0]
    lines = [x for x in section.splitlines() if x.startswith("- 镇赉县《贫困劳动力转移就业台账》“镇赉.xlsx”：")]
    assert len(lines) == 6 and lines[-1].endswith("：另有 3 条")
    assert all("也在洮南市同一报送期的台账中" in x for x in lines[:5])
    html = report.get_body(("html",)).get_content()
    assert html.count("“镇赉.xlsx”：") == 6 and "“镇赉.xlsx”：另有 3 条" in html


def test_a_visit_off_the_roster_or_before_the_household_entered_it_is_warned(
        prefect_server, home, sink):
    """Clause 16: visits "针对2206名脱贫不稳人口和4755名贫困边缘人口", the households of the unit's
    roster (clause 13, "及时纳入监测范围"). 洮南市 sends its roster (10 households; the first
    entered on 2020-10-25) and its October visits: 5 households of the roster visited on
    10-20, and one household that is on no roster. By hand: the first visit (10-20) is before
    that household entered (10-25): a warning; the stranger: a warning; the file is taken."""
    roster = dl.roster_rows("220881", 10, 1, dt.date(2020, 10, 30))
    roster.loc[0, "纳入监测日期"] = dt.date(2020, 10, 25)
    visits = dl.visit_rows(roster, 5, 0, dt.date(2020, 10, 20), 1)
    stranger = dl.visit_rows(dl.roster_rows("220881", 1, 9, dt.date(2020, 10, 30)), 1, 0,
                             dt.date(2020, 10, 21), 2)
    visits = pd.concat([visits, stranger], ignore_index=True)
    inbox = home / "inbox"
    drop(inbox, "220881", "花名册.xlsx", roster, "2020-11-02 09:00")
    drop(inbox, "220881", "走访.xlsx", visits, "2020-11-02 10:00")
    state = duties(flow="household-visits", as_of=beijing("2020-11-02 12:00"), return_state=True)
    assert state.is_completed(), state.message
    [mail] = [m for r, m in sink.handler.received if r == ["taonan@example.org"]
              and m["Subject"].startswith("【百日冲刺】已接收：")]
    body = mail.get_body(("plain",)).get_content()
    first, other = roster.loc[0, "户主身份证号"], stranger.loc[0, "户主身份证号"]
    assert f"第2行：走访日期 2020-10-20 早于该户纳入监测日期 2020-10-25（户主身份证号 {first}）" in body
    assert f"第7行：户主身份证号 {other} 不在本单位最新的《监测对象花名册》中" in body
