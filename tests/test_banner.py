"""The banner promises only what will happen: outside the plan's days a ledger is kept but not
answered, and the banner says a drill brings the replies, and how to start one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sprint.domain.window import finished, window
from sprint.job.banner import Started, banner


def started(plan, paused, drill=None) -> Started:
    return Started(ui="http://127.0.0.1:4200", inbox=Path("var/inbox"), files=0, mail="var/mail",
                   mail_in="发往 fupinban@example.org 的台账附件立即接收并回复；或 sprint submit",
                   logs=Path("var/logs"), window=window(plan), paused=paused, drill=drill,
                   first_due=None, sprint=".venv/bin/sprint")


def test_after_the_plan_the_banner_says_replies_need_a_drill(plan):
    """The plan runs 100 days from 2020-09-22; a plain start in 2026 is past it."""
    paused = finished(plan, dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    text = banner(started(plan, paused))
    assert "立即接收并回复" not in text
    assert "只收存，不答复" in text and "bin/start --drill" in text
    assert "结束演练" in text


def test_within_the_plan_the_banner_promises_replies(plan):
    text = banner(started(plan, None))
    assert "立即接收并回复" in text and "bin/start --drill" not in text
