"""The outbox's guarantees under a server that never answers, a claim on plain statements, and
a claim whose process id was given to another process."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import threading

import pytest
from sqlalchemy import update

from sprint.mailout import outbox
from sprint.mailout.mailer import YagmailMailer
from sprint.store.schema import outbox as outbox_table
from sprint.store.store import Store
from tests.test_mail import NOW, draft


class SilentServer:
    """Accepts every connection on loopback and never says a word."""

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        self._socket.close()
        for c in self.accepted:
            c.close()


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


def five(store):
    drafts = [draft(unit=u, to=[f"{u}@example.org"])
              for u in ("220802", "220821", "220822", "220881", "220882")]
    outbox.enqueue(store, drafts, "fupinban@example.org", "市扶贫办", NOW)


def test_a_server_that_never_answers_stops_the_delivery_after_three_time_outs(
        tmp_path, silent, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    five(store)
    mute = YagmailMailer("127.0.0.1", silent.port, "fupinban@example.org", timeout=0.3)
    try:
        delivered = outbox.deliver(store, mute, NOW, sleep=lambda s: None)
    finally:
        mute.close()
    assert delivered.sent == [] and len(delivered.deferred) == 5
    assert delivered.stopped.startswith("the mail server did not answer 3 times in a row")
    assert "4 message(s) not tried" in delivered.stopped
    assert delivered.problems[0] == delivered.stopped  # the run's artifact opens with it
    assert len(silent.accepted) == 3  # three tries of the first message, then no more
    rows = store.outbox_rows(with_message=False)
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 1)] + [("pending", 0)] * 4

    again = outbox.deliver(store, mailer(), NOW)  # the next run, the server back
    assert len(again.sent) == 5 and not again.problems
    assert sorted(r[0] for r, _ in sink.handler.received) == sorted(
        f"{u}@example.org" for u in ("220802", "220821", "220822", "220881", "220882"))


def test_a_time_out_after_the_whole_message_leaves_it_in_doubt_and_it_is_not_resent(
        tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    five(store)
    sink.handler.delay = 1.0  # thinks past the mailer's time-out after each message's DATA
    slow = YagmailMailer("127.0.0.1", sink.port, "fupinban@example.org", timeout=0.3)
    try:
        delivered = outbox.deliver(store, slow, NOW, sleep=lambda s: None)
    finally:
        slow.close()
    assert delivered.sent == [] and len(delivered.in_doubt) == 3
    assert "4 message(s)" not in delivered.stopped and "2 message(s) not tried" in delivered.stopped
    assert [r["status"] for r in store.outbox_rows()] == ["doubt"] * 3 + ["pending"] * 2
    sink.handler.delay = 0
    again = outbox.deliver(store, mailer(), NOW)
    assert len(again.sent) == 2  # the two untried; the three in doubt wait for the operator
    assert [r["status"] for r in store.outbox_rows()] == ["doubt"] * 3 + ["sent"] * 2


def test_on_plain_statements_a_message_another_run_took_meanwhile_is_not_sent_again(
        tmp_path, sink, mailer, monkeypatch):
    """Without RETURNING the claim is Store.claim's UPDATE; its 'still pending' condition is
    all that stops a run that read the outbox before another run sent the message."""
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setattr(store.engine.dialect, "update_returning", False)
    outbox.enqueue(store, [draft(unit=u, to=[f"{u}@example.org"]) for u in ("220802", "220821")],
                   "fupinban@example.org", "市扶贫办", NOW)
    real = store.outbox_rows

    def read_then_raced(*args, **kwargs):
        rows = real(*args, **kwargs)
        if kwargs.get("only"):  # the delivery's read: another run sends the first one now
            first = rows[0]["id"]
            assert store.claim(first, "elsewhere:1")
            store.settle(first, "sent", NOW)
        return rows

    monkeypatch.setattr(store, "outbox_rows", read_then_raced)
    delivered = outbox.deliver(store, mailer(), NOW)
    assert [rcpt for rcpt, _ in sink.handler.received] == [["220821@example.org"]]
    assert len(delivered.sent) == 1 and "220821" in delivered.sent[0]
    assert [(r["status"], r["attempts"], r["claimed_by"]) for r in real()] == [
        ("sent", 1, "elsewhere:1"), ("sent", 1, outbox.CLAIMER)]


def _left_sending(store, claimer, age):
    row = store.outbox_rows(with_message=False)[0]
    with store.engine.begin() as db:
        db.execute(update(outbox_table).where(outbox_table.c.id == row["id"]).values(
            status="sending", claimed_by=claimer, attempts=1,
            claimed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - age))
    return row["id"]


@pytest.fixture
def another_live_process():
    """A live process on this host that is not the run that claimed: what a reused pid is."""
    child = subprocess.Popen(["sleep", "300"])
    yield child.pid
    child.kill()
    child.wait()


def test_a_message_left_sending_under_a_reused_pid_is_in_doubt_after_the_stale_time(
        tmp_path, sink, mailer, another_live_process):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    outbox.enqueue(store, [draft()], "fupinban@example.org", "市扶贫办", NOW)
    claimer = f"{socket.gethostname()}:{another_live_process}"
    message = _left_sending(store, claimer, dt.timedelta(minutes=5))
    assert outbox.deliver(store, mailer(), NOW).problems == []  # young: maybe still sending
    assert store.outbox_rows()[0]["status"] == "sending"

    _left_sending(store, claimer, dt.timedelta(minutes=61))
    delivered = outbox.deliver(store, mailer(), NOW)
    assert len(delivered.in_doubt) == 1 and f"(#{message})" in delivered.in_doubt[0]
    assert store.outbox_rows()[0]["status"] == "doubt"
    assert sink.handler.received == []  # never resent by itself


def test_the_stale_time_is_the_plans(tmp_path, mailer, another_live_process, plan):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    outbox.enqueue(store, [draft()], "fupinban@example.org", "市扶贫办", NOW)
    _left_sending(store, f"{socket.gethostname()}:{another_live_process}",
                  dt.timedelta(minutes=20))
    assert plan.limits.sending_stale_minutes == 60
    stale = dt.timedelta(minutes=15)
    assert len(outbox.deliver(store, mailer(), NOW, stale=stale).in_doubt) == 1
    assert os.getpid() != another_live_process


@pytest.mark.integration
def test_a_run_against_a_silent_server_stops_early_and_says_so(
        prefect_server, home, sink, silent, monkeypatch):
    from prefect.artifacts import Artifact

    from tests.factories import beijing, drop, labor_ledger, make_ledger

    drop(home / "inbox", "220802", "ok.xlsx", make_ledger("220802", rows=5), "2020-10-08 10:00")
    monkeypatch.setenv("SPRINT_SMTP_PORT", str(silent.port))
    monkeypatch.setenv("SPRINT_SMTP_TIMEOUT", "0.3")
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_failed() and "8 封邮件待下次运行重发" in state.message
    summary = Artifact.get("labor-ledger-summary").data
    assert "⚠ the mail server did not answer 3 times in a row: delivery stopped" in summary
    assert len(silent.accepted) == 3

    monkeypatch.setenv("SPRINT_SMTP_PORT", str(sink.port))
    again = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert again.is_completed(), again.message
    assert len(sink.handler.received) == 8  # an acceptance, six reminders, the summary


def test_every_message_in_doubt_is_named_to_the_operator_once_after_the_last_attempt(
        home, sink, monkeypatch):
    """A server that takes DATA and never answers (the mailer's time-out 0.3 s, the server
    thinking 1 s), five messages: the first three go out whole and time out, in doubt; the
    delivery stops after that streak of three, the other two not tried. The operator's report
    is made after that last attempt and sent alone, never against the silent server: it waits
    with the two. The run counts 3 in doubt and 3 waiting (the two and the report), each once.
    The next run, the server back, sends the two and the report, which names all three in doubt;
    no later report names them again (issue 23, point 3: before, the report went out after the
    first delivery and a second delivery made three more in doubt that nobody was told of)."""
    from sprint.services import sending
    from sprint.services.context import connect

    monkeypatch.setenv("SPRINT_SMTP_TIMEOUT", "0.3")
    services = connect()
    units = ("220802", "220821", "220822", "220881", "220882")
    messages = [draft(unit=u, to=[f"{u}@example.org"]) for u in units]
    sink.handler.delay = 1.0
    first = sending.send(services, messages, "labor-ledger", NOW, False)
    assert (len(first.in_doubt), len(first.deferred), len(first.sent)) == (3, 3, 0)
    assert [r["status"] for r in services.store.outbox_rows()] == (
        ["doubt"] * 3 + ["pending"] * 3)
    doubtful = [f"(#{r['id']})" for r in services.store.outbox_rows("doubt")]

    sink.handler.delay = 0
    second = sending.send(services, [], "labor-ledger", NOW + dt.timedelta(days=1), False)
    assert len(second.sent) == 3 and not second.problems
    third = sending.send(services, [], "labor-ledger", NOW + dt.timedelta(days=2), False)
    assert not third.sent and not third.problems
    reports = [m for rcpt, m in sink.handler.received if "fupinban@example.org" in rcpt]
    assert len(reports) == 1
    text = reports[0].get_body(("plain",)).get_content()
    assert [text.count(ref) for ref in doubtful] == [1, 1, 1]
    assert "有 3 封邮件未能送达" in text


@pytest.mark.integration
def test_a_run_whose_server_takes_data_and_never_answers_counts_each_message_once(
        prefect_server, home, sink, monkeypatch):
    """The labor run owes 8 messages (an acceptance, six reminders, the summary); the server
    takes each DATA and never answers (the mailer's time-out 0.3 s). The first three are in
    doubt, the delivery stops, and the five not tried and the operator's report wait: the
    state says 6 wait and 3 in doubt, as the report will name them (it said 8 wait and 6 in
    doubt: a second delivery against the silent server, and waiting messages counted twice).
    The next run, the server back, sends the six, the report naming the three in doubt."""
    from tests.factories import beijing, drop, labor_ledger, make_ledger

    drop(home / "inbox", "220802", "ok.xlsx", make_ledger("220802", rows=5), "2020-10-08 10:00")
    monkeypatch.setenv("SPRINT_SMTP_TIMEOUT", "0.3")
    sink.handler.delay = 1.0
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_failed()
    assert state.message.startswith("6 封邮件待下次运行重发，0 封发送失败，0 封部分收件人被拒，"
                                     "3 封不确定是否送达")
    sink.handler.delay = 0
    sink.handler.received.clear()
    again = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert again.is_completed(), again.message
    [report] = [m for rcpt, m in sink.handler.received if "fupinban@example.org" in rcpt
                and "未能送达" in m.get_body(("plain",)).get_content()]
    assert "有 3 封邮件未能送达" in report.get_body(("plain",)).get_content()
