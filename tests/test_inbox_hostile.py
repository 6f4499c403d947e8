"""What one unit drops into its folder never costs another unit its mail (issue 23, points 1, 2
and 5): a name too long for the disk, a file over the size limit or one growing past it, a full
disk, a file stamped in the future. Real files, a real store; the run's steps as the flow calls
them (sprint.services.inbox)."""

from __future__ import annotations

import errno
import logging
import os
import time

import pytest

from sprint.services import inbox, intake
from sprint.services.context import connect
from tests.factories import beijing, drop, make_ledger

NOW = beijing("2020-10-12 12:00")
LONG = ("白城市洮北区贫困劳动力转移就业台账" * 5)[:80]  # 80 characters, 240 bytes
BIG = 3 * 1024 ** 3  # a 3 GB file, sparse: it takes no room on the disk


def take(services, now=NOW):
    kept = inbox.collect(services, now)
    return inbox.validate(services, kept)


def kept_files(home):
    root = home / "var" / "kept"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_name_of_80_chinese_characters_is_kept_and_answered(home):
    """A good ledger named with 80 Chinese characters (240 bytes + `.xlsx` = 245 bytes) is kept
    under a name the disk holds (at most 255 bytes, stamp and fingerprint included) and
    accepted; the run goes on to the next unit's file."""
    services = connect()
    name = LONG + ".xlsx"
    assert len(name.encode()) == 245
    drop(home / "inbox", "220802", name, make_ledger("220802", rows=3), "2020-10-08 10:00")
    drop(home / "inbox", "220821", "镇赉县.xlsx", make_ledger("220821", rows=2), "2020-10-08 11:00")
    judged = take(services)
    assert [(j.arrival.unit, j.accepted) for j in judged] == [("220802", True), ("220821", True)]
    [long_kept] = [p for p in kept_files(home) if p.parent.name == "220802"]
    assert len(long_kept.name.encode()) <= 255 and long_kept.name.endswith(".xlsx")
    assert store_names(services) == [name, "镇赉县.xlsx"]  # the unit's own name, in full


def store_names(services):
    return [r.file_name for r in services.store.receipts()]


def test_any_error_while_keeping_one_file_refuses_that_file_only(home, monkeypatch):
    """An error no one foresaw while one file is copied (here: permission denied) is that file's
    refusal, named in its reply; the other unit's file is kept and accepted."""
    services = connect()
    drop(home / "inbox", "220802", "a.xlsx", make_ledger("220802", rows=3), "2020-10-08 10:00")
    drop(home / "inbox", "220821", "b.xlsx", make_ledger("220821", rows=2), "2020-10-08 11:00")
    from sprint.services import keeping

    real = keeping._copy

    def copy(src, dst, cap):
        if src.name.endswith("a.xlsx"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(src, dst, cap)

    monkeypatch.setattr(keeping, "_copy", copy)
    judged = take(services)
    assert [(j.arrival.unit, j.accepted) for j in judged] == [("220802", False), ("220821", True)]
    assert "PermissionError" in judged[0].verdict.problems[0].reason
    assert [p.parent.name for p in kept_files(home)] == ["220821"]
    assert not list((home / "var" / "kept").rglob("*.part"))


def test_a_file_that_cannot_even_be_read_to_hash_it_is_refused_alone(home, monkeypatch):
    """Reading a file for its fingerprint fails (an I/O error on the share): that file is
    refused naming the error kind, the other unit's file is taken, the run goes on."""
    services = connect()
    drop(home / "inbox", "220802", "a.xlsx", make_ledger("220802", rows=3), "2020-10-08 10:00")
    drop(home / "inbox", "220821", "b.xlsx", make_ledger("220821", rows=2), "2020-10-08 11:00")
    real = intake.sha256_of

    def digest(path):
        if path.name == "a.xlsx":
            raise OSError(errno.EIO, "Input/output error")
        return real(path)

    monkeypatch.setattr(intake, "sha256_of", digest)
    judged = take(services)
    assert [(j.arrival.unit, j.accepted) for j in judged] == [("220802", False), ("220821", True)]
    assert judged[0].verdict.problems[0].reason.startswith("文件无法读取（OSError")


def test_a_3_gb_file_is_refused_before_a_byte_is_read(home, monkeypatch):
    """The plan: `max_file_mb: 20  # a bigger file is refused before it is read`. A 3 GB file
    (3,072 MB > 20 MB) is neither hashed nor copied: refused with its size, nothing of it in
    var/kept/; a later run does not take it again."""
    services = connect()
    folder = home / "inbox" / "220802"
    folder.mkdir()
    big = folder / "全年台账.xlsx"
    with big.open("wb") as f:
        f.truncate(BIG)
    stamp = beijing("2020-10-08 10:00").timestamp()
    os.utime(big, (stamp, stamp))
    drop(home / "inbox", "220821", "b.xlsx", make_ledger("220821", rows=2), "2020-10-08 11:00")
    hashed = []
    real = intake.sha256_of
    monkeypatch.setattr(intake, "sha256_of", lambda p: hashed.append(p.name) or real(p))
    judged = take(services)
    assert "全年台账.xlsx" not in hashed
    assert [(j.arrival.unit, j.accepted) for j in judged] == [("220802", False), ("220821", True)]
    assert judged[0].verdict.problems[0].reason.startswith("文件大小 3072.0 MB，超过上限 20 MB")
    assert [p.parent.name for p in kept_files(home)] == ["220821"]
    assert take(services) == []


def test_a_file_growing_past_the_limit_while_it_is_copied_is_refused(home, monkeypatch):
    """A small file when it is scanned and opened, that reaches 21 MB while it is copied (over
    the plan's 20 MB), is refused, and no copy of it stays in var/kept/."""
    from sprint.services import keeping

    services = connect()
    path = drop(home / "inbox", "220802", "a.csv", make_ledger("220802", rows=3), "2020-10-08 10:00")
    real = keeping._copy

    def copy(src, dst, cap):  # the unit's copy goes on while ours runs
        with path.open("ab") as f:
            f.write(b"\n" * (21 * 1024 * 1024))
        return real(src, dst, cap)

    monkeypatch.setattr(keeping, "_copy", copy)
    [j] = take(services)
    assert not j.accepted
    assert j.verdict.problems[0].reason.startswith("文件在接收过程中超过上限 20 MB")
    assert kept_files(home) == []


def test_a_full_disk_fails_that_file_only_leaves_no_part_file_and_is_said(home, monkeypatch,
                                                                         caplog):
    """The disk fills (ENOSPC) while one file is copied: its half copy is removed, nothing is
    recorded for it (no reply: it is not the unit's fault; the next run takes it), the run log
    says the disk is full, and the other unit's file is taken."""
    services = connect()
    drop(home / "inbox", "220802", "a.xlsx", make_ledger("220802", rows=3), "2020-10-08 10:00")
    drop(home / "inbox", "220821", "b.xlsx", make_ledger("220821", rows=2), "2020-10-08 11:00")
    from sprint.services import keeping

    real = keeping._copy

    def copy(src, dst, cap):
        if src.name.endswith("a.xlsx"):
            dst.write(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, cap)

    monkeypatch.setattr(keeping, "_copy", copy)
    with caplog.at_level(logging.WARNING, logger="sprint"):
        judged = take(services)
    assert [(j.arrival.unit, j.accepted) for j in judged] == [("220821", True)]
    assert not list((home / "var" / "kept").rglob("*.part"))
    assert not list((home / "var" / "kept").rglob(".*"))
    assert any("磁盘已满" in r.getMessage() and "a.xlsx" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(keeping, "_copy", real)  # space again: the next run takes it
    assert [(j.arrival.unit, j.accepted) for j in take(services)] == [("220802", True)]


def test_a_file_stamped_after_the_wall_clock_is_taken_when_first_seen(home, monkeypatch):
    """A share whose clock runs ahead stamps a file in the future (by this machine's clock). It
    is taken at the first run that sees it, as received then (the run's time, 2020-10-12 12:00),
    and the acceptance's remarks say why its own time was not used."""
    services = connect()
    path = drop(home / "inbox", "220802", "a.xlsx", make_ledger("220802", rows=3), "2020-10-08 10:00")
    ahead = time.time() + 3 * 86400
    os.utime(path, (ahead, ahead))
    # Whether it is still being written is told by this machine's change time (set just now):
    # the run comes 10 s later, by the wall clock.
    later = time.time() + 10
    monkeypatch.setattr(intake.time, "time", lambda: later)
    [j] = take(services)
    assert j.accepted and j.arrival.received_at == NOW
    [note] = [p.reason for p in j.verdict.notes if "晚于" in p.reason]
    assert "按首次发现时间 2020-10-12 12:00 计为收到" in note
    [r] = services.store.receipts()
    assert r.received_at == NOW


def test_a_fifo_in_the_inbox_is_named_and_never_opened(home):
    """A FIFO named like a ledger would block whoever opens it: it is no regular file, so it is
    skipped with a warning, never opened."""
    folder = home / "inbox" / "220802"
    folder.mkdir()
    os.mkfifo(folder / "a.xlsx")
    arrivals, warnings = intake.scan(home / "inbox", connect().plan, connect().store, NOW)
    assert arrivals == []
    assert warnings == ["220802/a.xlsx is no regular file (a pipe or device); it is ignored"]


@pytest.mark.integration
def test_a_labor_run_over_a_hostile_inbox_completes_and_answers_every_good_file(
        prefect_server, home, sink, monkeypatch):
    """The issue's 'done when': an inbox holding a 245-byte name (洮北区), a 3 GB sparse file
    (镇赉县), a FIFO (通榆县, beside its good file), a link (洮南市, beside its good file) and a file
    stamped three days after the wall clock (大安市). The run completes; every good file gets its
    acceptance, the 3 GB file its refusal naming its size; nothing over 20 MB is in var/kept/;
    the future file's acceptance and the intake artifact say it counts as received at the run."""
    from prefect.artifacts import Artifact

    from tests.factories import labor_ledger

    root = home / "inbox"
    drop(root, "220802", LONG + ".xlsx", make_ledger("220802", rows=4), "2020-10-08 10:00")
    big = root / "220821" / "全年台账.xlsx"
    big.parent.mkdir()
    with big.open("wb") as f:
        f.truncate(BIG)
    drop(root, "220822", "通榆县.xlsx", make_ledger("220822", rows=3), "2020-10-08 11:00")
    os.mkfifo(root / "220822" / "管道.xlsx")
    good = drop(root, "220881", "洮南市.xlsx", make_ledger("220881", rows=3), "2020-10-08 12:00")
    (root / "220881" / "链接.xlsx").symlink_to(good)
    future = drop(root, "220882", "大安市.xlsx", make_ledger("220882", rows=3), "2020-10-08 13:00")
    ahead = time.time() + 3 * 86400
    os.utime(future, (ahead, ahead))
    dropped = beijing("2020-10-08 14:00").timestamp()
    os.utime(big, (dropped, dropped))
    later = time.time() + 10  # the run comes 10 s after the files were written
    monkeypatch.setattr(intake.time, "time", lambda: later)

    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_completed(), state.message
    subjects = {rcpt[0]: m["Subject"] for rcpt, m in sink.handler.received
                if "已接收" in m["Subject"] or "退回" in m["Subject"]}
    assert {a for a, s in subjects.items() if "已接收" in s} == {
        "taobei@example.org", "tongyu@example.org", "taonan@example.org", "daan@example.org"}
    assert "退回" in subjects["zhenlai@example.org"]
    [rejection] = [m for rcpt, m in sink.handler.received if "zhenlai@example.org" in rcpt
                   and "退回" in m["Subject"]]
    assert "文件大小 3072.0 MB，超过上限 20 MB" in rejection.get_body(("plain",)).get_content()
    [daan] = [m for rcpt, m in sink.handler.received if "daan@example.org" in rcpt
              and "已接收" in m["Subject"]]
    assert "按首次发现时间 2020-10-12 12:00 计为收到" in daan.get_body(("plain",)).get_content()
    assert all(p.stat().st_size <= 20 * 1024 * 1024 for p in kept_files(home))
    assert sorted(p.parent.name for p in kept_files(home)) == [
        "220802", "220822", "220881", "220882"]
    assert "按首次发现时间 2020-10-12 12:00 计为收到" in Artifact.get("intake").data


@pytest.mark.integration  # fifty files through a run: ~6 s
def test_fifty_files_in_one_run_get_one_acceptance(home, sink):
    """The README: one acceptance per unit and run. 洮北区 mails 50 ledgers at once (placed in
    its folder as 50 files); the intake's answer is one acceptance with 50 sections, not 50."""
    from sprint.services import owing, sending

    services = connect()
    for i in range(50):
        drop(home / "inbox", "220802", f"台账{i:02d}.xlsx", make_ledger("220802", rows=2, seed=i),
             "2020-10-08 10:00")
    assert len(take(services)) == 50
    owed = owing.answer(services, {"220802"}, NOW)
    sending.send(services, sending.render(services, owed.drafts), "intake", NOW, False)
    mails = [m for rcpt, m in sink.handler.received if "taobei@example.org" in rcpt]
    assert len(mails) == 1
    assert "报送的50个文件" in mails[0]["Subject"]


def test_a_really_full_disk_fails_that_file_only(home, caplog):
    """The real path: var/kept/ on a 256 KB file system (tmpfs; skipped where mounting is not
    allowed). 洮北区's 4,000-row CSV does not fit: ENOSPC from the kernel, its half copy removed,
    the run log says 磁盘已满, nothing recorded for it; 镇赉县's small file, after it, is kept."""
    import subprocess

    kept = home / "var" / "kept"
    kept.mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(kept)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system is not allowed here")
    try:
        services = connect()
        big = drop(home / "inbox", "220802", "a.csv", make_ledger("220802", rows=4000),
                   "2020-10-08 10:00")
        assert big.stat().st_size > 256 * 1024
        drop(home / "inbox", "220821", "b.csv", make_ledger("220821", rows=3), "2020-10-08 11:00")
        with caplog.at_level(logging.WARNING, logger="sprint"):
            judged = take(services)
        assert [(j.arrival.unit, j.accepted) for j in judged] == [("220821", True)]
        assert [p.parent.name for p in kept_files(home)] == ["220821"]
        assert not list(kept.rglob(".*"))
        assert any("磁盘已满" in r.getMessage() for r in caplog.records)
        assert [r.unit for r in services.store.receipts()] == ["220821"]
    finally:
        subprocess.run(["umount", str(kept)], check=True)
