"""Lock after expiry, with exceptions (issue 26 item 2): a duty's `expiry_workdays` after its
due time, a late file refused, an exception opened from the shell, listed in the dispatch."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.duties import duties
from sprint.commands.cli import main
from sprint.demo import target_rows as dl
from tests.factories import again, beijing, drop

pytestmark = pytest.mark.integration

REASON = "县里网络故障，经电话说明同意补报"


def _to_zhenlai(sink, since, start):
    return [m for r, m in sink.handler.received[since:]
            if r == ["zhenlai@example.org"] and m["Subject"].startswith(start)]


def _october(counters):
    frame = dl.counter_rows("220821", counters, 2, 1, dt.date(2020, 10, 28))
    frame["报送期"] = "2020-10-31"  # the file names the period it reports
    return frame


def test_a_late_file_is_refused_then_accepted_under_an_exception(prefect_server, home, sink,
                                                                 capsys):
    """October's counters are due 10-30 17:00 (the last working day of the month); the plan
    file gives `expiry_workdays: 5`, the office's choice. By hand: 11-02 to 11-06 are five
    working days, so the lock falls at 11-06 17:00. 镇赉县's October file arriving 11-10 is
    refused 已过补报期限…如需补报请联系市扶贫办; the operator opens an exception to 11-20 with a
    reason, and the file sent again on 11-12 is accepted for October, late."""
    inbox = home / "inbox"
    drop(inbox, "220821", "10月专柜台账.xlsx", _october(100), "2020-11-10 09:00")
    state = duties(flow="target-ledgers", as_of=beijing("2020-11-10 12:00"), return_state=True)
    assert state.is_completed(), state.message
    [refused] = _to_zhenlai(sink, 0, "【百日冲刺】退回：")
    body = refused.get_body(("plain",)).get_content()
    assert "已过补报期限（2020年11月6日 17:00），如需补报请联系市扶贫办" in body

    code = main(["unlock", "220821", "consumption-counters", "2020-10-31", "--until",
                 "2020年11月20日", "--reason", REASON, "--by", "李科长"])
    out = capsys.readouterr().out
    assert code == 0
    assert "已为镇赉县开放补报：《消费扶贫专柜专区专馆台账（月报）》报送期2020-10-01至2020-10-31，" \
           "至2020年11月20日" in out

    drop(inbox, "220821", "10月专柜台账（补报）.xlsx", _october(101), "2020-11-12 09:00")
    before = len(sink.handler.received)
    duties(flow="target-ledgers", as_of=beijing("2020-11-12 12:00"))
    [accepted] = _to_zhenlai(sink, before, "【百日冲刺】已接收：")
    assert "计入报送期2020-10-01至2020-10-31（逾期）" in accepted["Subject"]


def test_the_very_same_file_sent_again_under_an_exception_is_taken_once(prefect_server, home,
                                                                       sink, capsys):
    """As above, October's counters lock at 11-06 17:00 (due 10-30 17:00, then 11-02 to 11-06,
    five working days: `expiry_workdays: 5`). 镇赉县's file of 11-10 is refused; the office
    opens an exception to 11-20; the unit sends the very same bytes again on 11-12 (a copy,
    renamed): accepted for October, late. The same bytes a third time on 11-13 are nothing new:
    no second acceptance."""
    inbox = home / "inbox"
    first = drop(inbox, "220821", "10月专柜台账.xlsx", _october(100), "2020-11-10 09:00")
    duties(flow="target-ledgers", as_of=beijing("2020-11-10 12:00"))
    assert _to_zhenlai(sink, 0, "【百日冲刺】退回：")
    assert main(["unlock", "220821", "consumption-counters", "2020-10-31", "--until",
                 "2020-11-20", "--reason", REASON, "--by", "李科长"]) == 0

    again(first, "10月专柜台账（补报）.xlsx", "2020-11-12 09:00")
    before = len(sink.handler.received)
    state = duties(flow="target-ledgers", as_of=beijing("2020-11-12 12:00"), return_state=True)
    assert state.is_completed(), state.message
    [accepted] = _to_zhenlai(sink, before, "【百日冲刺】已接收：")
    assert "计入报送期2020-10-01至2020-10-31（逾期）" in accepted["Subject"]

    again(first, "10月专柜台账（再次）.xlsx", "2020-11-13 09:00")
    before = len(sink.handler.received)
    duties(flow="target-ledgers", as_of=beijing("2020-11-13 12:00"))
    assert not _to_zhenlai(sink, before, "【百日冲刺】已接收：")
    assert not _to_zhenlai(sink, before, "【百日冲刺】退回：")


def test_an_exception_needs_a_known_unit_and_period_and_is_listed_in_the_dispatch(
        prefect_server, home, sink, capsys):
    """A wrong period is refused with a clear message and exit 1; an open exception appears in
    the weekly dispatch ("市扶贫办将建立周调度机制") with its end date, reason and who opened it."""
    assert main(["unlock", "220821", "consumption-counters", "2020-13-40", "--until",
                 "2020-11-20", "--reason", REASON]) == 1
    assert "报送期" in capsys.readouterr().err
    assert main(["unlock", "220821", "consumption-counters", "2020-10-31", "--until",
                 "2020-11-20", "--reason", REASON, "--by", "李科长"]) == 0
    state = duties(flow="weekly-dispatch", as_of=beijing("2020-10-09 17:30"), return_state=True)
    assert state.is_completed(), state.message
    [report] = [m for r, m in sink.handler.received if "周调度" in m["Subject"]]
    text = report.get_body(("plain",)).get_content()
    assert ("- 镇赉县《消费扶贫专柜专区专馆台账（月报）》报送期2020-10-01至2020-10-31：可补报至"
            f"2020年11月20日，原因：{REASON}，开放人：李科长") in text
