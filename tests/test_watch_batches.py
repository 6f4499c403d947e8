"""The watcher's batches (sprint/job/watch.py): a file that lands while an intake run takes the
last batch goes out as soon as that run has taken it, not after a fixed wait, and never while
the last batch is still being taken (each batch is one intake run; runs of one deployment wait
for each other's slot, so a batch per poll piled up runs: bench/mail_latency.py saw 13 waiting
and a 42 s 95th percentile)."""

from __future__ import annotations

from sprint.config.settings import load_settings
from sprint.job.watch import LANDED, Watcher
from sprint.store.store import Store
from tests.factories import beijing, drop, make_ledger


def test_the_next_batch_goes_once_the_last_is_taken(home):
    s = load_settings()
    events = []
    watcher = Watcher(s.plan, Store(s.db_url), s.inbox_root, s.letters_root,
                      lambda event, unit, payload: events.append((event, unit)),
                      clock=lambda: beijing("2020-10-08 12:00"), hold=600)
    first = drop(s.inbox_root, "220802", "洮北.xlsx", make_ledger("220802"), "2020-10-08 11:00")
    watcher.step()  # seen once: it may still be being copied
    watcher.step()
    assert events == [(LANDED, "220802")]

    drop(s.inbox_root, "220881", "洮南.xlsx", make_ledger("220881", seed=3), "2020-10-08 11:30")
    watcher.step()
    watcher.step()
    assert events == [(LANDED, "220802")]  # the last batch is not taken yet: its run is going

    first.unlink()  # gone, which the watcher takes as it takes a file the store has taken in
    watcher.step()
    assert events == [(LANDED, "220802"), (LANDED, "220881")]  # at once, not after `hold`
