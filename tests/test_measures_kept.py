"""What was measured of a file is kept across runs (Book.measures: the shelf keeps it, so that a
replay's 615 runs measure each file once), and never stands in for a newer file's figures."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sprint.domain.calendar import BEIJING
from sprint.domain.engine.book import Book
from sprint.domain.engine.deadline import headway
from tests.test_exit import Ledgers, receipt


def items(done: int, open_: int) -> pd.DataFrame:
    rows = [{"问题来源": "排查发现", "整改状态": "已完成"}] * done
    rows += [{"问题来源": "排查发现", "整改状态": "整改中"}] * open_
    rows += [{"问题来源": "自查", "整改状态": "整改中"}]  # not in the deadline's scope
    return pd.DataFrame(rows)


def test_a_newer_ledger_is_measured_afresh_and_an_unchanged_one_is_measured_once(plan):
    """排查发现的问题10月底前清零销号 (clause 2: “对发现的问题在10月底前清零销号”), measured on
    Taobei's latest rectification ledger, the rows whose 问题来源 is 排查发现: on 10-20 it had 1
    of 4 done (1/4 = 25%); on 10-27 a new ledger says 3 of 4 (3/4 = 75%). The runs share one
    memory, as a replay's do: the second run measures the new file, not the first one's figure;
    a third run with nothing new measures nothing again."""
    duty = plan.duty("inspection-cleared")
    first = receipt(1, "rectification-ledger", "rectification", "2020-10-20 10:00")
    second = receipt(2, "rectification-ledger", "rectification", "2020-10-27 10:00")
    frames = {"/kept/1": items(1, 3), "/kept/2": items(3, 1)}
    kept: dict = {}
    read: list[str] = []

    class Counting(Ledgers):
        def ledger(self, r):
            read.append(r.kept_path)
            return super().ledger(r)

    def taobei(receipts, day):
        book = Book(plan, receipts, set(), Counting(frames), measures=kept)
        now = dt.datetime(2020, 10, day, 12, tzinfo=BEIJING)
        return next(h for h in headway(plan, book, duty, now) if h.unit == "220802")

    assert taobei([first], 20).words == "已完成 1/4（25%）"
    assert taobei([first, second], 27).words == "已完成 3/4（75%）"
    before = len(read)
    again = taobei([first, second], 28)
    assert again.words == "已完成 3/4（75%）" and not again.done and again.share == 0.75
    assert len(read) == before  # measured once: the file was not read again
