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


def test_who_was_told_when_is_read_afresh_once_another_process_has_sent_one_more(tmp_path):
    """A reminder is not sent twice within the plan's days (Book.told says who was told when).
    The store keeps that answer between runs while no message has gone since; here a reminder
    to Taobei is recorded and then sent by another process's store, and this one, which read
    the answer before (nobody told yet), says at its next read that Taobei was told at 09:00."""
    from sprint.domain.engine.owed import TOLD_BY
    from sprint.domain.records import OutboxKey
    from sprint.store.store import Store

    url = f"sqlite:///{tmp_path / 'sprint.db'}"
    here, there = Store(url), Store(url)
    sent_at = dt.datetime(2020, 10, 12, 9, tzinfo=BEIJING)
    key = OutboxKey("labor-ledger", "2020-10-12", "220802", "reminder")
    assert there.enqueue(key, ["taobei@example.org"], "催报", b"message", sent_at)
    nobody = here.told(TOLD_BY)
    assert nobody == {}  # recorded, not yet sent: nobody told
    assert here.told(TOLD_BY) is nobody  # nothing sent since: the answer kept, not read again
    [row] = there.outbox_rows(with_message=False)
    assert there.claim(row["id"], "another run")
    there.settle(row["id"], "sent", sent_at)
    assert here.told(TOLD_BY) == {("labor-ledger", "220802"): [sent_at]}
    assert here.told(("census-unit",)) == {}  # another kind's answer is its own
