"""Drafts become real MIME messages; the outbox sends each at most once, through a real server."""

import datetime as dt

import pytest

from sprint.domain.records import OutboxKey
from sprint.job.mailsink import MailSink, free_port
from sprint.mailout import outbox
from sprint.mailout.compose import Message, environment, render, to_mime
from sprint.mailout.mailer import MailError, YagmailMailer
from sprint.store.store import Store

NOW = dt.datetime(2020, 10, 12, 9, 0, tzinfo=dt.UTC)


def draft(unit="220802", to=("a@example.org",), kind="reminder", ref="+1", text="正文\n第二行"):
    html = "<table><tr><td>甲</td></tr>\n<tr><td>乙</td></tr></table>"
    return Message(OutboxKey("labor-ledger", "2020-10-09", unit, kind, ref), list(to),
                 "【百日冲刺】提醒", text, html)


def test_a_message_has_a_real_text_part_an_html_part_and_a_unique_id():
    a = to_mime(draft(), "fupinban@example.org", "市扶贫办")
    b = to_mime(draft(), "fupinban@example.org", "市扶贫办")
    plain = a.get_body(("plain",)).get_content()
    html = a.get_body(("html",)).get_content()
    assert plain == "正文\n第二行\n" and "<" not in plain
    assert "<br>" not in html and "<td>甲</td>" in html
    assert a["Message-ID"] != b["Message-ID"]
    assert a["Subject"] == "【百日冲刺】提醒"


def test_a_name_with_a_line_break_cannot_add_a_header(plan):
    env = environment()
    evil = plan.unit("220802").model_copy(update={"name": "洮北区\r\nBcc: spy@evil.test"})
    from sprint.domain.calendar import periods
    context = {"plan": plan, "operator": plan.unit("sfpb"), "unit": evil,
               "duty": plan.duty("labor-ledger"), "template": plan.templates["labor"],
               "period": periods(plan, plan.duty("labor-ledger"))[0], "file_name": "<b>x</b>.xlsx",
               "received_text": "", "problems": [], "shown": [], "due_text": "", "sha256": "",
               "template_names": "", "by_mail": False}
    subject, text, html = render(env, "rejection", context)
    message = to_mime(Message(OutboxKey("d", "p", "u", "rejection"), ["a@example.org"], subject,
                            text, html), "fupinban@example.org", "市扶贫办")
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert "&lt;b&gt;x&lt;/b&gt;.xlsx" in html and "<b>x</b>.xlsx" not in html


def test_each_key_is_sent_once_however_often_it_is_enqueued(tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    for _ in range(3):
        outbox.enqueue(store, [draft(), draft(unit="220821", to=["b@example.org"])],
                       "fupinban@example.org", "市扶贫办", NOW)
        delivered = outbox.deliver(store, mailer(), NOW)
    assert [rcpt for rcpt, _ in sink.handler.received] == [["a@example.org"], ["b@example.org"]]
    assert delivered.sent == []
    assert sink.messages[0].get_body(("plain",)).get_content().replace("\r\n", "\n") == "正文\n第二行\n"


def test_an_sqlite_without_returning_claims_and_settles_through_plain_statements(
        tmp_path, sink, monkeypatch, mailer):
    """SQLite before 3.35 cannot return from an UPDATE (SQLAlchemy says so): the same promises,
    and no statement the database would refuse."""
    from sqlalchemy import event

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    for returning in ("insert_returning", "update_returning", "delete_returning"):
        monkeypatch.setattr(store.engine.dialect, returning, False)  # as SQLAlchemy sets them
    asked = []
    event.listen(store.engine, "connect", lambda db, _: db.set_trace_callback(asked.append))
    store.engine.dispose()  # every connection from here on tells what it was asked
    outbox.enqueue(store, [draft(), draft(unit="220821", to=["gone@example.org"])],
                   "fupinban@example.org", "市扶贫办", NOW)
    sink.handler.refuse["gone@example.org"] = "550 5.1.1 no such user"
    seen = []  # the outbox as the server began to take each message
    sink.handler.on_data = lambda to: seen.extend(
        (r["recipients"], r["status"]) for r in store.outbox_rows() if r["recipients"] == to[0])
    delivered = outbox.deliver(store, mailer(), NOW)
    assert len(delivered.sent) == 1 and len(delivered.failed) == 1
    assert seen == [("a@example.org", "sending")]  # claimed before its DATA
    assert outbox.deliver(store, mailer(), NOW).sent == []
    assert [rcpt for rcpt, _ in sink.handler.received] == [["a@example.org"]]
    assert [(r["status"], r["attempts"]) for r in store.outbox_rows()] == [("sent", 1),
                                                                            ("failed", 1)]
    assert any(s.startswith("UPDATE outbox") for s in asked)
    assert not [s for s in asked if "RETURNING" in s.upper()]


def lost_bytes_delivery(store, sink, mailer):
    """Three messages, the second's bytes deleted as by a hand that damaged the store: it cannot
    go, the operator is told, nothing else is held up, and the message before it is settled."""
    from sqlalchemy import text

    outbox.enqueue(store, [draft(unit=u, to=[f"{u}@example.org"]) for u in ("220802", "220821",
                                                                           "220822")],
                   "fupinban@example.org", "市扶贫办", NOW)
    second = store.outbox_rows(with_message=False)[1]["id"]
    with store.engine.begin() as db:
        db.execute(text("DELETE FROM outbox_messages WHERE id = :id"), {"id": second})
    delivered = outbox.deliver(store, mailer(), NOW)
    assert len(delivered.sent) == 2 and len(delivered.failed) == 1
    assert "220821" in delivered.failed[0] and "lost its bytes" in delivered.failed[0]
    assert [rcpt for rcpt, _ in sink.handler.received] == [["220802@example.org"],
                                                          ["220822@example.org"]]
    rows = store.outbox_rows(with_message=False)
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1), ("failed", 0),
                                                            ("sent", 1)]
    assert outbox.deliver(store, mailer(), NOW).sent == []


@pytest.mark.parametrize("returning", [True, False], ids=["returning", "plain"])
def test_a_message_whose_bytes_are_lost_is_failed_and_the_rest_still_go(
        tmp_path, sink, mailer, monkeypatch, returning):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setattr(store.engine.dialect, "update_returning", returning)
    lost_bytes_delivery(store, sink, mailer)


def test_a_server_that_is_down_leaves_messages_pending_for_the_next_run(tmp_path, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    port = free_port("127.0.0.1")
    outbox.enqueue(store, [draft()], "fupinban@example.org", "市扶贫办", NOW)
    down = outbox.deliver(store, YagmailMailer("127.0.0.1", port, "f@example.org"), NOW,
                          sleep=lambda s: None)
    assert len(down.deferred) == 1 and down.sent == []
    # Claimed and settled back although the server never asked for it: the attempt counts.
    assert [(r["status"], r["attempts"]) for r in store.outbox_rows()] == [("pending", 1)]
    with MailSink(port=port) as sink:
        first, second = mailer(sink), mailer(sink)
        up = outbox.deliver(store, first, NOW)
        again = outbox.deliver(store, second, NOW)
        assert len(up.sent) == 1 and again.sent == []
        assert len(sink.messages) == 1
        first.close(), second.close()  # while their server is there to answer the QUIT


def test_a_4xx_answer_is_retried_next_run_and_a_5xx_is_reported_as_failed(tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    outbox.enqueue(store, [draft()], "fupinban@example.org", "市扶贫办", NOW)
    sink.handler.fail_with = "451 4.3.0 try again later"
    first = outbox.deliver(store, mailer(), NOW, pauses=())
    assert len(first.deferred) == 1 and "451" in first.deferred[0]
    sink.handler.fail_with = None
    assert len(outbox.deliver(store, mailer(), NOW).sent) == 1

    outbox.enqueue(store, [draft(unit="220821", to=["gone@example.org"])],
                   "fupinban@example.org", "市扶贫办", NOW)
    sink.handler.refuse["gone@example.org"] = "550 5.1.1 no such user"
    failed = outbox.deliver(store, mailer(), NOW)
    assert len(failed.failed) == 1 and "550" in failed.failed[0]
    assert [r["status"] for r in store.outbox_rows()] == ["sent", "failed"]


def test_a_passing_4xx_is_retried_within_the_run(tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    outbox.enqueue(store, [draft(), draft(unit="220821")], "f@example.org", "市扶贫办", NOW)
    sink.handler.fail_with, sink.handler.fail_times = "421 4.7.0 busy", 1
    pauses = []
    delivered = outbox.deliver(store, mailer(), NOW, pauses=(0.5, 2.0), sleep=pauses.append)
    assert len(delivered.sent) == 2 and delivered.deferred == []
    assert pauses == [0.5] and len(sink.messages) == 2


def test_one_refused_recipient_does_not_stop_the_others(tmp_path, sink, mailer):
    sink.handler.refuse["gone@example.org"] = "550 5.1.1 no such user"
    with pytest.raises(MailError):
        mailer().send(to_mime(draft(to=["gone@example.org"]), "f@example.org", "x"))
    refused = mailer().send(to_mime(draft(to=["a@example.org", "gone@example.org"]),
                                        "f@example.org", "x"))
    assert list(refused) == ["gone@example.org"]
    assert sink.handler.received[-1][0] == ["a@example.org"]


def test_a_connection_dropped_before_a_message_loses_nothing_and_sends_nothing_twice(
        tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    drafts = [draft(unit=u, to=[f"{u}@example.org"]) for u in ("220802", "220821", "220822")]
    outbox.enqueue(store, drafts, "f@example.org", "市扶贫办", NOW)
    sink.handler.drop_next = 1
    delivered = outbox.deliver(store, mailer(), NOW, sleep=lambda s: None)
    assert len(delivered.sent) == 3
    assert [rcpt for rcpt, _ in sink.handler.received] == [
        ["220802@example.org"], ["220821@example.org"], ["220822@example.org"]]


def test_a_message_is_claimed_before_the_server_can_take_it(tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    drafts = [draft(unit=u, to=[f"{u}@example.org"]) for u in ("220802", "220821")]
    outbox.enqueue(store, drafts, "f@example.org", "市扶贫办", NOW)
    seen = []
    sink.handler.on_data = lambda to: seen.extend(
        (r["recipients"], r["status"], r["claimed_by"]) for r in store.outbox_rows()
        if r["recipients"] == to[0])
    assert len(outbox.deliver(store, mailer(), NOW).sent) == 2
    assert seen == [("220802@example.org", "sending", outbox.CLAIMER),
                    ("220821@example.org", "sending", outbox.CLAIMER)]


def test_a_message_another_run_claims_while_the_server_reads_mail_is_not_sent(tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    drafts = [draft(unit=u, to=[f"{u}@example.org"]) for u in ("220802", "220821", "220822")]
    outbox.enqueue(store, drafts, "f@example.org", "市扶贫办", NOW)
    second = [r["id"] for r in store.outbox_rows()][1]
    # Another run takes the second message while the first one's MAIL command is being read.
    sink.handler.on_mail = lambda: (store.claim(second, "elsewhere:1"),
                                    setattr(sink.handler, "on_mail", None))
    delivered = outbox.deliver(store, mailer(), NOW)
    assert [rcpt for rcpt, _ in sink.handler.received] == [["220802@example.org"],
                                                           ["220822@example.org"]]
    assert len(delivered.sent) == 2 and delivered.problems == []
    rows = {r["id"]: r for r in store.outbox_rows()}
    assert (rows[second]["status"], rows[second]["claimed_by"]) == ("sending", "elsewhere:1")
    assert [r["status"] for i, r in rows.items() if i != second] == ["sent", "sent"]


def test_a_connection_lost_before_the_server_answers_a_whole_message_leaves_it_in_doubt(
        tmp_path, sink, mailer):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    drafts = [draft(unit=u, to=[f"{u}@example.org"]) for u in ("220802", "220821", "220822")]
    outbox.enqueue(store, drafts, "f@example.org", "市扶贫办", NOW)
    sink.handler.vanish_after_next = 1  # the first arrives, but its sender never hears so
    first = outbox.deliver(store, mailer(), NOW, sleep=lambda s: None)
    assert len(first.sent) == 2 and len(first.in_doubt) == 1
    assert "220802@example.org" in first.in_doubt[0] and "may have arrived" in first.in_doubt[0]
    assert [r["status"] for r in store.outbox_rows()] == ["doubt", "sent", "sent"]
    again = outbox.deliver(store, mailer(), NOW)
    assert again.sent == [] and again.problems == []
    assert [rcpt for rcpt, _ in sink.handler.received] == [  # each once: nothing tried again
        ["220802@example.org"], ["220821@example.org"], ["220822@example.org"]]


def test_a_421_to_one_recipient_sends_the_message_to_nobody_and_says_try_again(sink, mailer):
    sink.handler.refuse["b@example.org"] = "421 4.7.0 closing"
    message = to_mime(draft(to=["a@example.org", "b@example.org"]), "f@example.org", "x")
    with pytest.raises(MailError) as raised:
        mailer().send(message)
    assert raised.value.transient and "421" in str(raised.value)
    assert sink.handler.received == []


def test_a_store_failing_while_the_server_reads_mail_sends_nothing_and_the_next_message_goes(
        sink, mailer):
    def store_down():
        raise OSError("disk I/O error")

    m = mailer()
    with pytest.raises(OSError, match="disk I/O error"):
        m.send_raw(["a@example.org"], store_down)
    assert sink.handler.received == []
    message = to_mime(draft(to=["a@example.org"]), "f@example.org", "x")
    assert m.send(message) == {}
    assert [rcpt for rcpt, _ in sink.handler.received] == [["a@example.org"]]


def old_store(url):
    """A store as versions before the message bytes had a table of their own wrote it: the
    outbox table as it is, the bytes in outbox.message and no index on status (both came with
    the move), made by SQLAlchemy as those versions made it on each database. One message sent,
    one pending."""
    from sqlalchemy import Column, LargeBinary, MetaData, create_engine, insert

    from sprint.store import schema

    earlier = schema.outbox.to_metadata(MetaData())
    earlier.append_column(Column("message", LargeBinary, nullable=False))
    earlier.indexes.clear()
    engine = create_engine(url)
    earlier.create(engine)
    with engine.begin() as db:
        for i, status in ((1, "sent"), (2, "pending")):
            message = outbox.to_bytes(draft(ref=f"+{i}", to=[f"u{i}@example.org"]),
                                      "fupinban@example.org", "市扶贫办")
            db.execute(insert(earlier).values(
                duty="labor-ledger", period="2020-10-09", unit="220802", kind="reminder",
                ref=f"+{i}", recipients=f"u{i}@example.org", subject="【百日冲刺】提醒",
                message=message, status=status, attempts=0,
                created_at=dt.datetime(2020, 10, 12, 9, 0)))
    engine.dispose()


def test_a_store_of_an_earlier_version_keeps_its_messages_and_sends_what_was_pending(tmp_path, sink, mailer):
    """Opening an older store moves the bytes across, and the pending message still goes, once."""
    path = tmp_path / "old.db"
    old_store(f"sqlite:///{path}")
    store = Store(f"sqlite:///{path}")
    assert [r["message"] for r in store.outbox_rows()][0].startswith(b"Content-Type")
    delivered = outbox.deliver(store, mailer(), NOW)
    assert len(delivered.sent) == 1 and not delivered.problems
    assert [rcpt for rcpt, _ in sink.handler.received] == [["u2@example.org"]]
    again = Store(f"sqlite:///{path}")  # opened a second time: nothing moved twice
    assert [r["status"] for r in again.outbox_rows()] == ["sent", "sent"]


def _open(url):
    return [len(r["message"]) for r in Store(url).outbox_rows()]


def test_an_earlier_store_opened_by_four_processes_at_once_moves_its_messages_once(tmp_path):
    import multiprocessing

    path = tmp_path / "old.db"
    old_store(f"sqlite:///{path}")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        seen = pool.map(_open, [f"sqlite:///{path}"] * 4)
    assert len({tuple(s) for s in seen}) == 1 and len(seen[0]) == 2 and min(seen[0]) > 500


def test_the_main_jobs_mail_server_keeps_files_not_memory(tmp_path):
    """The main job's local SMTP server runs for the hundred days: each mail is a file in the
    mail folder (and the operator's mailbox), none held parsed in memory as the tests' is."""
    import smtplib

    from sprint.job.mailsink import MailSink

    with MailSink(maildir=tmp_path / "mail", mailboxes={"op@example.org": tmp_path / "box"},
                  remember=False) as server:
        with smtplib.SMTP("127.0.0.1", server.port) as smtp:
            for i in range(3):
                smtp.sendmail("a@example.org", ["op@example.org"],
                              f"Subject: {i}\r\n\r\nbody {i}\r\n".encode())
        assert server.handler.received == []
    assert len(list((tmp_path / "mail" / "new").glob("*.eml"))) == 3
    assert len(list((tmp_path / "box" / "new").iterdir())) == 3


def test_the_replays_mail_server_in_a_process_of_its_own_keeps_each_mail(tmp_path):
    """The replay's local SMTP server runs in a process of its own (its reading of 300 MB of
    mail then takes another core than the runs): what it received is in the mail folder once
    it has stopped, and nothing listens on its port any more."""
    import smtplib
    import socket

    from sprint.job.mailsink import SinkApart

    server = SinkApart("127.0.0.1", 0, tmp_path / "mail").start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port) as smtp:
            for i in range(3):
                smtp.sendmail("a@example.org", ["b@example.org"],
                              f"Subject: {i}\r\n\r\nbody {i}\r\n".encode())
    finally:
        server.stop()
    assert sorted(p.read_text().splitlines()[-1] for p in (tmp_path / "mail" / "new").glob("*.eml")) == [
        "body 0", "body 1", "body 2"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
