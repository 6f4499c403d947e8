"""The replay lives the office's hand on the data (issue 26): the generator sends a ledger
copied from another county's and a file after a lock, then the same file again; the replay's
office reviews files and opens an exception, through the services `sprint review` and `sprint
unlock` use; the closing summary counts reviews, exceptions, files the lock refused,
cross-check findings and versions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sprint.demo.simulate import submissions
from sprint.job.office import office_lines

D = dt.date
COUNTERS = "消费扶贫专柜专区专馆台账_2020-10-31"


def test_the_generator_sends_a_copied_ledger_and_a_file_after_the_lock_twice(plan):
    """The labor ledger's plan `checks` look for copies: one county's first-period file comes
    again from another county ("（更正）"), and a third county lists one of the first's workers
    ("（补充）"). The counters' October file is due 10-30 17:00 and
    locks 5 working days later (11-02 to 11-06: 11-06 17:00); a county that sent nothing for
    October sends it on 11-10, naming October, and the very same file three working days
    later (11-11, 11-12, 11-13)."""
    subs = submissions(plan, 2020, D(2020, 10, 1), D(2020, 11, 13))
    copied = [s for s in subs if s.name.endswith("（更正）.csv")
              and s.name.startswith("贫困劳动力转移就业台账_")]
    assert copied
    # A person in two counties: a third county's own ledger of that period with one worker of
    # the county whose file came first; not a copy, so the check names the person.
    [joined] = [s for s in subs if s.name.startswith("贫困劳动力转移就业台账_")
                and s.name.endswith("（补充）.csv")]
    period = joined.name.split("_")[1][:10]
    ids = set(joined.frame["身份证号"])
    others = [s for s in subs if s.unit != joined.unit and s.name.startswith(
        f"贫困劳动力转移就业台账_{period}") and ids & set(s.frame["身份证号"])]
    assert len(others) >= 1 and not any(s.frame.equals(joined.frame) for s in others)
    [late] = [s for s in subs if s.name == f"{COUNTERS}（补报）.csv"]
    assert late.at.date() == D(2020, 11, 10) and set(late.frame["报送期"]) == {"2020-10-31"}
    [again] = [s for s in subs if s.name == f"{COUNTERS}（补报）再次报送.csv"]
    assert again.at.date() == D(2020, 11, 13) and again.unit == late.unit
    assert again.frame.equals(late.frame)
    assert not [s for s in subs if s.unit == late.unit and s.name.startswith(COUNTERS)
                and "补报" not in s.name]


def test_the_summary_says_the_offices_hand_in_the_operators_words():
    """The printed lines of the summary: reviews in the order of the states, the lock and its
    exceptions, each finding's kind in words."""
    lines = office_lines({"reviews": {"已审核": 2, "已接收": 9, "已退回": 1}, "locked": 1,
                          "exceptions": 1, "taken_under_exception": 1,
                          "findings": {"copied": 3, "same-person": 5}, "versions": 2})
    assert lines == ["审核：已接收 9，已审核 2，已退回 1",
                     "补报期限：超期退回 1 份，开放例外 1 项，例外下接收 1 份",
                     "交叉核查：台账与其他单位完全相同 3 条，同一人在两个单位的台账中 5 条；"
                     "新版本与上一版比较 2 份"]


def _bodies(sink, subject):
    return [(r, m.get_body(("plain",)).get_content()) for r, m in sink.handler.received
            if m["Subject"].startswith(f"【百日冲刺】{subject}")]


@pytest.mark.integration
def test_a_short_replay_reviews_unlocks_and_counts_the_offices_hand(home, sink, capsys):
    """10-30 to 11-13 (seed 2020): the labor period due 11-06 with its copied file; October's
    counters, due 10-30 17:00, locked 11-06 17:00. The county silent in October sends them on
    11-10: refused (已过补报期限); the replay's office opens an exception the next working day
    (11-11) to 11-18; the same bytes on 11-13 are accepted for October, late, and the dispatch
    of Friday 11-13 17:30 lists the exception. The office marks files 有疑问, 已审核 and 已退回
    the working day after they came, each unit told with the note."""
    from sprint.config.settings import load_settings
    from sprint.job.replay import main

    assert main(D(2020, 10, 30), D(2020, 11, 13), 2020, home / "replay", True,
                load_settings()) == 0
    office = json.loads(capsys.readouterr().out)["office"]
    assert {"已接收", "有疑问", "已审核", "已退回"} <= set(office["reviews"])
    assert (office["locked"], office["exceptions"], office["taken_under_exception"]) == (1, 1, 1)
    assert office["findings"]["copied"] >= 1 and office["findings"]["same-person"] >= 1
    assert office["versions"] >= 1

    for state in ("有疑问", "已退回"):
        assert all("（回放规则）" in text for _, text in _bodies(sink, f"{state}："))
        assert _bodies(sink, f"{state}：")
    [(unit, refused)] = [(r, t) for r, t in _bodies(sink, "退回：") if "已过补报期限" in t]
    assert "已过补报期限（2020年11月6日 17:00），如需补报请联系市扶贫办" in refused
    assert [m for r, m in sink.handler.received if r == unit and m["Subject"].startswith(
        "【百日冲刺】已接收：") and "消费扶贫专柜专区专馆台账" in m["Subject"]
        and "计入报送期2020-10-01至2020-10-31（逾期）" in m["Subject"]]
    [(_, dispatch)] = _bodies(sink, "周调度")[-1:]
    assert ("报送期2020-10-01至2020-10-31：可补报至2020年11月18日，原因：单位来电说明逾期原因，"
            "经核实同意补报（回放规则），开放人：市扶贫办（回放）") in dispatch
