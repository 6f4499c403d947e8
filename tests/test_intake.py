"""The inbox: what is taken in, what is kept, and what is left alone."""

import hashlib
import os

from sprint.services import intake, receipts
from sprint.store.store import Store
from tests.factories import beijing, drop, make_ledger

NOW = beijing("2020-10-12 12:00")


def take_in(plan, root, store):
    arrivals, warnings = intake.scan(root / "inbox", plan, store, NOW)
    judged = []
    for a in arrivals:
        j = intake.judge(a, intake.keep(a, root / "kept"), plan)
        receipts.record(store, j)
        judged.append(j)
    return judged, warnings


def test_same_content_is_a_no_op_and_changed_content_a_new_version(plan, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    inbox = tmp_path / "inbox"
    first = drop(inbox, "220802", "a.xlsx", make_ledger(rows=3), "2020-10-08 10:00")
    judged, _ = take_in(plan, tmp_path, store)
    assert [(j.arrival.unit, j.period, j.accepted) for j in judged] == [("220802", "2020-10-09", True)]

    copy = inbox / "220802" / "a-copy.xlsx"
    copy.write_bytes(first.read_bytes())
    os.utime(copy, (first.stat().st_mtime, first.stat().st_mtime))
    assert take_in(plan, tmp_path, store)[0] == []

    drop(inbox, "220802", "a.xlsx", make_ledger(rows=4), "2020-10-09 10:00")
    judged, _ = take_in(plan, tmp_path, store)
    assert [len(j.verdict.ledger) for j in judged] == [4]
    receipts = store.receipts("labor-ledger")
    assert [r.rows for r in receipts] == [3, 4]
    kept = sorted((tmp_path / "kept" / "220802").iterdir())
    assert len(kept) == 2
    assert hashlib.sha256(kept[1].read_bytes()).hexdigest() == receipts[1].sha256
    assert (inbox / "220802" / "a.xlsx").exists()  # the original stays where it was dropped


def test_links_other_folders_lock_files_and_future_files_are_not_taken(plan, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    inbox = tmp_path / "inbox"
    outside = drop(tmp_path / "elsewhere", "x", "secret.xlsx", make_ledger(rows=2), "2020-10-08 10:00")
    (inbox / "220802").mkdir(parents=True)
    (inbox / "220802" / "link.xlsx").symlink_to(outside)
    (inbox / "220821").symlink_to(outside.parent, target_is_directory=True)
    drop(inbox, "strangers", "s.xlsx", make_ledger(rows=2), "2020-10-08 10:00")
    drop(inbox, "220822", "~$lock.xlsx", make_ledger(rows=2), "2020-10-08 10:00")
    drop(inbox, "220881", "tomorrow.xlsx", make_ledger(rows=2), "2020-10-13 10:00")
    judged, warnings = take_in(plan, tmp_path, store)
    assert judged == []
    assert warnings == [
        "220802/link.xlsx is a link; links are not followed, it is ignored",
        "inbox folder '220821' is a link; links are not followed, its files are ignored",
        "inbox folder 'strangers' is no unit of the plan; its files are ignored"]


def test_a_ledger_a_unit_does_not_owe_is_refused_with_the_reason(plan, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    drop(tmp_path / "inbox", "srsj", "a.xlsx", make_ledger(rows=2), "2020-10-08 10:00")
    [j], _ = take_in(plan, tmp_path, store)
    assert not j.accepted
    assert j.verdict.problems[0].reason == "本单位无需报送《贫困劳动力转移就业台账》"
    assert [r.verdict for r in store.unanswered_rejections()] == ["rejected"]


def test_a_period_column_names_the_period(plan, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    frame = make_ledger(rows=2)
    frame["报送期"] = "2020-10-23"
    drop(tmp_path / "inbox", "220802", "a.csv", frame, "2020-10-08 10:00")
    frame["报送期"] = "2021-05-01"
    drop(tmp_path / "inbox", "220821", "b.csv", frame, "2020-10-08 10:00")
    judged, _ = take_in(plan, tmp_path, store)
    assert [(j.period, j.accepted) for j in judged] == [("2020-10-23", True), (None, False)]
    assert judged[1].verdict.problems[0].reason == "不是本台账的任何一个报送期"


def test_a_file_still_being_written_is_left_for_the_next_run(plan, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    path = drop(tmp_path / "inbox", "220802", "a.xlsx", make_ledger(rows=3), "2020-10-08 10:00")
    os.utime(path)  # written just now, by the wall clock
    assert intake.scan(tmp_path / "inbox", plan, store, beijing("2030-01-01 00:00"), quiet=60)[0] == []
    assert len(intake.scan(tmp_path / "inbox", plan, store, beijing("2030-01-01 00:00"))[0]) == 1
