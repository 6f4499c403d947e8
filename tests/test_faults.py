"""Faults: nothing lost, nothing sent twice, and the run says what happened."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prefect.artifacts import Artifact

from sprint.store.store import Store
from tests.factories import beijing, drop, labor_ledger, make_ledger

pytestmark = pytest.mark.integration
AS_OF = beijing("2020-10-12 12:00")


@pytest.fixture
def inbox(home):
    """Nine messages are owed at AS_OF: four acceptances, a rejection reply, three reminders
    (洮南市 still owes a valid ledger) and the summary."""
    root = home / "inbox"
    drop(root, "220802", "ok.xlsx", make_ledger("220802", rows=5), "2020-10-08 10:00")
    bad = make_ledger("220881", rows=5)
    bad.loc[1, "人员类别"] = "贫困户"
    drop(root, "220881", "bad.xlsx", bad, "2020-10-09 10:00")
    for unit in ("220821", "220822", "cght"):
        drop(root, unit, "ok.csv", make_ledger(unit, rows=4), "2020-10-09 12:00")
    return root


def store(home) -> Store:
    return Store(f"sqlite:///{home / 'var' / 'sprint.db'}")


def recipients(sink) -> list[str]:
    return sorted(",".join(r) for r, _ in sink.handler.received)


EXPECTED = ["bcjk@example.org", "cght@example.org", "daan@example.org",
            "renshe@example.org,fupinban@example.org", "taobei@example.org", "taonan@example.org",
            "taonan@example.org", "tongyu@example.org", "zhenlai@example.org"]


def test_a_recipient_refused_for_good_is_reported_to_the_operator_and_the_others_still_go(
        prefect_server, home, inbox, sink):
    sink.handler.refuse["daan@example.org"] = "550 5.1.1 mailbox unavailable"
    state = labor_ledger(as_of=AS_OF, return_state=True)
    assert state.is_failed() and "1 封发送失败" in state.message
    got = recipients(sink)
    assert "bcjk@example.org" in got and "taonan@example.org" in got
    assert "daan@example.org" not in got
    [notice] = [m for r, m in sink.handler.received if r == ["fupinban@example.org"]]
    assert notice["Subject"] == "【百日冲刺】邮件未能送达：1 封（贫困劳动力转移就业台账（双周报送））"
    body = notice.get_body(("plain",)).get_content()
    assert "被邮件服务器拒绝" in body and "daan@example.org" in body and "550" in body
    assert "daan@example.org" in Artifact.get("labor-ledger-summary").data
    count = len(sink.handler.received)
    labor_ledger(as_of=AS_OF, return_state=True)
    assert len(sink.handler.received) == count  # neither the failure nor its notice again


def test_two_runs_at_once_send_each_message_once(prefect_server, home, inbox, sink):
    with ThreadPoolExecutor(2) as pool:
        states = list(pool.map(lambda _: labor_ledger(as_of=AS_OF, return_state=True), range(2)))
    assert all(s.is_completed() for s in states), [s.message for s in states]
    assert recipients(sink) == EXPECTED
    kinds = sorted((r["unit"], r["kind"]) for r in store(home).outbox_rows())
    assert kinds == [("220802", "acceptance"), ("220821", "acceptance"), ("220822", "acceptance"),
                     ("220881", "rejection"), ("220881", "reminder"), ("220882", "reminder"),
                     ("bcjk", "reminder"), ("cght", "acceptance"), ("sfpb", "summary")]
    assert len(store(home).receipts()) == 5


def test_a_run_killed_while_sending_sends_nothing_twice_and_names_what_is_in_doubt(
        prefect_server, home, inbox, sink):
    from prefect.settings import PREFECT_API_URL

    sink.handler.delay = 1.5
    env = os.environ | {"PREFECT_API_URL": PREFECT_API_URL.value(),
                        "SPRINT_HOME": str(home / "var"), "SPRINT_INBOX": str(inbox)}
    child = subprocess.Popen([str(Path(sys.executable).parent / "sprint"), "run", "labor-ledger",
                              "--as-of", "2020-10-12T12:00"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not sink.handler.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sink.handler.received, "the run never started sending"
    time.sleep(0.5)  # the second message is now on the wire, the server still thinking
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    time.sleep(2.0)  # past the server's thinking time: the killed run's message is settled
    rows = store(home).outbox_rows()
    assert [r["status"] for r in rows].count("sending") == 1
    [doubt] = [r for r in rows if r["status"] == "sending"]
    # The server dropped the message when its sender died mid-DATA: it did not arrive.
    assert doubt["recipients"] not in [",".join(r) for r, _ in sink.handler.received[1:]]

    sink.handler.delay = 0
    state = labor_ledger(as_of=AS_OF, return_state=True)
    assert state.is_failed() and "1 封不确定是否送达" in state.message
    [notice] = [m for r, m in sink.handler.received if r == ["fupinban@example.org"]]
    text = notice.get_body(("plain",)).get_content()
    assert "无法确定是否已送达" in text and f"(#{doubt['id']})" in text
    owed = sorted(",".join(r) for r, _ in sink.handler.received if r != ["fupinban@example.org"])
    missing = list(EXPECTED)
    missing.remove(doubt["recipients"])
    assert owed == missing  # every other message arrived once; the doubtful one was not resent

    assert store(home).resend([doubt["id"]]) == [doubt["id"]]  # the operator checked: resend
    assert labor_ledger(as_of=AS_OF, return_state=True).is_completed()
    owed = sorted(",".join(r) for r, _ in sink.handler.received if r != ["fupinban@example.org"])
    assert owed == EXPECTED


def test_an_unreachable_store_fails_the_run_clearly_and_leaves_nothing_half_done(
        prefect_server, home, inbox, sink, monkeypatch):
    monkeypatch.setenv("SPRINT_DATABASE_URL", "postgresql+psycopg://sprint:Pw-S3cret@127.0.0.1:9/x")
    state = labor_ledger(as_of=AS_OF, return_state=True)
    assert state.is_failed()
    assert "the store postgresql+psycopg://sprint:***@127.0.0.1:9/x cannot be opened" in state.message
    assert "Pw-S3cret" not in state.message
    assert sink.handler.received == []
    assert not (home / "var" / "kept").exists()


def test_the_outbox_command_lists_and_requeues_what_failed(prefect_server, home, inbox, sink):
    sink.handler.refuse["daan@example.org"] = "550 5.1.1 mailbox unavailable"
    labor_ledger(as_of=AS_OF, return_state=True)
    sprint = str(Path(sys.executable).parent / "sprint")
    env = os.environ | {"SPRINT_HOME": str(home / "var")}
    listed = json.loads(subprocess.run([sprint, "outbox", "--status", "failed", "--json"], env=env,
                                       capture_output=True, text=True, check=True).stdout)
    assert [r["recipients"] for r in listed] == ["daan@example.org"]
    again = subprocess.run([sprint, "outbox", "--resend", str(listed[0]["id"])], env=env,
                           capture_output=True, text=True)
    assert again.returncode == 0 and "已重新排队" in again.stdout
    del sink.handler.refuse["daan@example.org"]
    assert labor_ledger(as_of=AS_OF, return_state=True).is_completed()
    assert recipients(sink).count("daan@example.org") == 1


def test_a_locked_database_waits_then_fails_with_a_clear_store_error(tmp_path):
    """Another program holds the SQLite database (an exclusive lock, as a database browser
    writing takes): a write waits the busy time (here 0.3 s; 30 s in a run), then fails with a
    store error that says what to do, never the driver's raw OperationalError, so the run's
    tasks do not retry it and the run ends saying so."""
    import sqlite3

    from sprint.store.store import Store, StoreError
    from tests.factories import beijing

    path = tmp_path / "s.db"
    store = Store(f"sqlite:///{path}", busy_seconds=0.3)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="数据库被其他程序锁定"):
            store.record(unit="220802", sha256="0" * 64, file_name="a.xlsx", kept_path="k",
                         received_at=beijing("2020-10-08 10:00"), duty=None, period=None,
                         template=None, verdict="rejected", rows=0, problems=[], notes=0)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert store.record(unit="220802", sha256="0" * 64, file_name="a.xlsx", kept_path="k",
                        received_at=beijing("2020-10-08 10:00"), duty=None, period=None,
                        template=None, verdict="rejected", rows=0, problems=[], notes=0)


def test_a_new_store_opened_while_another_run_writes_waits_for_it(tmp_path):
    """Two runs at once on a new SQLite store: one is writing (creating its tables, still in
    the rollback journal) when the other connects and asks for WAL. SQLite refuses that switch
    at once, without its busy wait, so the second run failed 'locked by another program' after
    no wait at all (CI caught it in test_two_runs_at_once_send_each_message_once). The switch
    now waits as a write does: here the writer commits after 0.5 s and the store opens."""
    import sqlite3
    import threading

    path = tmp_path / "s.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE first_run (i)")
    writer.execute("BEGIN")
    writer.execute("INSERT INTO first_run VALUES (1)")  # a write under way, not yet WAL
    done = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    done.start()
    try:
        store = Store(f"sqlite:///{path}", busy_seconds=10)
        assert store.receipts() == []
    finally:
        done.join()
        writer.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
