"""The replay lives the office's hand on the data (issue 26 item 5): the generator sends a
ledger copied from another county's and a file after a lock, and the closing summary counts
reviews, exceptions and cross-check findings."""

from __future__ import annotations

import datetime as dt

import pytest

from sprint.demo.simulate import submissions
from sprint.job.replay import replay

D = dt.date


def test_the_generator_sends_a_copied_ledger_and_a_file_after_the_lock(plan):
    """The labor ledger's plan `checks` look for copies: one county's first-period file comes
    again from another county ("（更正）"). The counters' October file is due 10-30 17:00 and
    locks 5 working days later (11-06); one county sends it again on 11-10, naming October."""
    subs = submissions(plan, 2020, D(2020, 10, 1), D(2020, 11, 12))
    copied = [s for s in subs if s.name.endswith("（更正）.csv")
              and s.name.startswith("贫困劳动力转移就业台账_")]
    assert copied
    [late] = [s for s in subs if s.name == "消费扶贫专柜专区专馆台账_2020-10-31（补报）.csv"]
    assert late.at.date() == D(2020, 11, 10) and set(late.frame["报送期"]) == {"2020-10-31"}


@pytest.mark.integration
def test_a_short_replay_counts_the_offices_hand(home, sink):
    """Ten days from 10-05 take in the labor ledger due 10-09, with the copied file: the
    summary counts copies and people in two counties, and every accepted file as 已接收."""
    from sprint.config.settings import Settings

    state = home / "replay"
    result = replay(D(2020, 10, 5), D(2020, 10, 14), 11, Settings(home=state, inbox=state / "inbox"))
    office = result["office"]
    assert office["findings"].get("copied", 0) >= 1 and office["findings"].get("same-person", 0) >= 1
    assert office["reviews"] == {"已接收": result["accepted"]}
    assert office["exceptions"] == 0
