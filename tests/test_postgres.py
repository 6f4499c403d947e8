"""The store, and a labor-ledger run, on a real PostgreSQL server (started by tests/pg.py).

The same promises as on SQLite: a file is recorded once per content, a message once per key,
two runs claiming the same message cannot both send it, and what died mid-send is in doubt.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

import psycopg
import pytest
from sqlalchemy.engine import make_url

from sprint.domain.records import OutboxKey
from sprint.store.store import Store, StoreError
from tests.factories import beijing
from tests.test_faults import AS_OF, EXPECTED, inbox  # noqa: F401  the same nine owed messages

pytest_plugins = ["tests.pg"]

NOW = dt.datetime(2020, 10, 12, 4, 0, tzinfo=dt.UTC)
MESSAGE = b"Subject: =?utf-8?b?5o+Q6YaS?=\r\n\r\n\xe6\xad\xa3\xe6\x96\x87\x00\xff\r\n"  # CRLF, NUL


def submission(unit="220802", sha="a" * 64, verdict="accepted", at="2020-10-08 15:20",
               problems=()):
    return {"unit": unit, "sha256": sha, "file_name": f"{unit}.xlsx",
            "kept_path": f"/kept/{unit}/{sha[:8]}.xlsx", "received_at": beijing(at),
            "duty": "labor-ledger", "period": "2020-10-09", "template": "labor",
            "verdict": verdict, "rows": 3, "problems": list(problems), "notes": 0}


def test_without_postgresql_these_tests_are_skipped_but_ci_fails_them(monkeypatch):
    from tests import pg

    monkeypatch.setattr(pg, "binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        pg.require()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        pg.require()


def test_a_file_is_recorded_once_per_content_of_a_unit(pg_url):
    store = Store(pg_url)
    assert store.record(**submission())
    assert not store.record(**submission())  # the same bytes again: a no-op
    assert store.record(**submission(sha="b" * 64, at="2020-10-09 10:00"))
    problem = {"row": 5, "column": "务工区域", "value": "外省",
               "reason": "应为以下之一：省外、省内县外、县内"}
    assert store.record(**submission("220881", "c" * 64, "rejected", "2020-10-09 11:30", [problem]))

    assert set(store.known_digests()) == {("220802", "a" * 64), ("220802", "b" * 64),
                                          ("220881", "c" * 64)}
    receipts = store.receipts("labor-ledger")
    assert [(r.unit, r.sha256[0]) for r in receipts] == [("220802", "a"), ("220802", "b"),
                                                         ("220881", "c")]
    assert receipts[0].received_at == beijing("2020-10-08 15:20")  # the same instant, in UTC
    assert receipts[2].problems == [problem]
    [unanswered] = store.unanswered_rejections()
    assert unanswered.sha256 == "c" * 64
    store.enqueue(OutboxKey("labor-ledger", "2020-10-09", "220881", "rejection", "c" * 16),
                  ["taonan@example.org"], "退回", MESSAGE, NOW)
    assert store.unanswered_rejections() == []


def test_a_file_recorded_by_a_transaction_that_commits_late_is_still_seen(pg_url):
    from sqlalchemy import insert

    from sprint.store.schema import submissions, utc

    reader, writer = Store(pg_url), Store(pg_url)
    slow = writer.engine.connect()
    late = slow.begin()  # a run that took its id first, and commits last
    fields = submission("220821", "d" * 64) | {"received_at": utc(beijing("2020-10-08 15:00"))}
    slow.execute(insert(submissions).values(**fields | {"problems": "[]"}))
    assert writer.record(**submission("220802", "e" * 64))  # a later id, committed at once
    assert [r.unit for r in reader.receipts()] == ["220802"]
    late.commit()
    slow.close()
    assert sorted(r.unit for r in reader.receipts()) == ["220802", "220821"]


def test_a_message_is_recorded_once_per_key_with_its_exact_bytes(pg_url):
    store = Store(pg_url)
    key = OutboxKey("labor-ledger", "2020-10-09", "220882", "reminder", "+1")
    assert store.enqueue(key, ["daan@example.org"], "【百日冲刺】逾期提醒", MESSAGE, NOW)
    assert not store.enqueue(key, ["daan@example.org"], "again", b"other", NOW)
    assert store.keys() == {key}
    assert OutboxKey("labor-ledger", "2020-10-09", "220882", "reminder", "+3") not in Store(pg_url).keys()
    [row] = store.outbox_rows("pending")
    assert row["message"] == MESSAGE and isinstance(row["message"], bytes)
    assert row["subject"] == "【百日冲刺】逾期提醒" and row["attempts"] == 0
    assert "message" not in store.outbox_rows(with_message=False)[0]


def test_two_claimers_at_once_never_both_get_a_message(pg_url):
    # Two stores, as two workers on two machines would have: separate engines, separate pools.
    first, second = Store(pg_url), Store(pg_url)
    for n in range(20):
        first.enqueue(OutboxKey("labor-ledger", "2020-10-09", f"u{n}", "reminder", "+1"),
                      [f"u{n}@example.org"], "提醒", MESSAGE, NOW)
    ids = [r["id"] for r in first.outbox_rows()]
    barrier = threading.Barrier(2)

    def claim_all(store, claimer):
        won = []
        for message_id in ids:
            barrier.wait()  # both ask for the same message at the same moment
            if store.claim(message_id, claimer):
                won.append(message_id)
        return won

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(claim_all, (first, second), ("host-a:1", "host-b:2"))
    assert sorted(a + b) == ids and not set(a) & set(b)
    rows = first.outbox_rows()
    assert {r["status"] for r in rows} == {"sending"} and {r["attempts"] for r in rows} == {1}
    assert all(r["claimed_by"] == ("host-a:1" if r["id"] in a else "host-b:2") for r in rows)


def test_sent_failed_and_in_doubt_messages_settle_and_only_the_last_two_can_be_resent(pg_url):
    store = Store(pg_url)
    for unit in ("220802", "220821", "220822", "220881"):
        store.enqueue(OutboxKey("labor-ledger", "2020-10-09", unit, "reminder", "+1"),
                      [f"{unit}@example.org"], "提醒", MESSAGE, NOW)
    sent, failed, dead, alive = [r["id"] for r in store.outbox_rows()]
    for message_id, claimer in ((sent, "h:1"), (failed, "h:1"), (dead, "gone:9"), (alive, "h:1")):
        assert store.claim(message_id, claimer)
    assert not store.claim(sent, "h:2")  # claimed already
    store.settle(sent, "sent", NOW + dt.timedelta(seconds=5))
    store.settle(failed, "failed", NOW, "550 5.1.1 mailbox unavailable")

    in_doubt = store.mark_in_doubt(lambda claimer, claimed_at: claimer == "gone:9")
    assert [r["id"] for r in in_doubt] == [dead]
    rows = {r["id"]: r for r in store.outbox_rows()}
    assert [rows[i]["status"] for i in (sent, failed, dead, alive)] == [
        "sent", "failed", "doubt", "sending"]
    assert rows[sent]["sent_at"] == dt.datetime(2020, 10, 12, 4, 0, 5)  # UTC, as recorded
    assert rows[failed]["last_error"] == "550 5.1.1 mailbox unavailable"
    assert "mid-send" in rows[dead]["last_error"]

    assert store.resend([sent, failed, dead, alive]) == [failed, dead]
    assert [r["id"] for r in store.outbox_rows("pending")] == [failed, dead]
    assert {r["attempts"] for r in store.outbox_rows("pending")} == {0}


def test_an_earlier_store_opened_by_eight_workers_at_once_moves_its_messages_once(
        pg_url, sink, mailer):
    """A store an earlier version wrote on PostgreSQL: eight workers opening it together move
    the bytes to their own table once, the pending message goes once, and new messages still
    get ids of their own."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from sprint.mailout import outbox
    from tests.test_mail import old_store

    old_store(pg_url)
    barrier = threading.Barrier(8)
    # The move's statements the database refused any opener: a deadlock, a column gone
    # meanwhile. (Creating the new table is a race of its own, settled by looking again.)
    errors = []

    def open_store(_):
        barrier.wait()
        return [len(r["message"]) for r in Store(pg_url).outbox_rows()]

    def refused(context):
        if context.statement.startswith(("INSERT INTO outbox_messages", "ALTER TABLE outbox")):
            errors.append(type(context.original_exception).__name__)

    event.listen(Engine, "handle_error", refused)
    try:
        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(open_store, range(8)))
    finally:
        event.remove(Engine, "handle_error", refused)
    assert errors == []  # they took turns, none had to try again
    assert len({tuple(s) for s in seen}) == 1 and len(seen[0]) == 2 and min(seen[0]) > 500
    store = Store(pg_url)
    delivered = outbox.deliver(store, mailer(), NOW)
    assert len(delivered.sent) == 1 and not delivered.problems
    assert [rcpt for rcpt, _ in sink.handler.received] == [["u2@example.org"]]
    store.enqueue(OutboxKey("labor-ledger", "2020-10-16", "220802", "reminder", "+1"),
                  ["u3@example.org"], "提醒", MESSAGE, NOW)
    assert [(r["id"], r["status"]) for r in store.outbox_rows()] == [
        (1, "sent"), (2, "sent"), (3, "pending")]
    with psycopg.connect(make_url(pg_url).set(drivername="postgresql").render_as_string(
            hide_password=False)) as conn:
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox'")}
        indexes = {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'outbox'")}
    assert "message" not in columns and "outbox_by_status" in indexes


def test_a_message_whose_bytes_are_lost_fails_alone_on_postgresql(pg_url, sink, mailer):
    """On PostgreSQL a failed statement spoils its whole transaction: the claim that found no
    bytes is rolled back, and the settling of the message before is written all the same."""
    from tests.test_mail import lost_bytes_delivery

    lost_bytes_delivery(Store(pg_url), sink, mailer)


def test_a_wrong_password_is_named_without_the_password(pg_url):
    url = make_url(pg_url).set(password="Wrong-Pw-9")
    with pytest.raises(StoreError) as raised:
        Store(url.render_as_string(hide_password=False))
    message = str(raised.value)
    assert f"the store {url.render_as_string(hide_password=True)} cannot be opened" in message
    assert "password authentication failed" in message and "Wrong-Pw-9" not in message


# The labor-ledger flow end to end: its store and the Prefect server both on PostgreSQL.



@pytest.mark.integration
def test_a_labor_ledger_run_keeps_its_store_and_its_run_on_postgresql(prefect_pg, home, sink,
                                                                       pg_url, monkeypatch,
                                                                       inbox):  # noqa: F811
    from prefect import get_client
    from prefect.artifacts import Artifact

    from tests.factories import labor_ledger

    monkeypatch.setenv("SPRINT_DATABASE_URL", pg_url)

    state = labor_ledger(as_of=AS_OF, return_state=True)
    assert state.is_completed(), state.message
    got = sorted(",".join(r) for r, _ in sink.handler.received)
    assert got == EXPECTED

    # The project's store is the PostgreSQL database, and holds what went out, byte for byte.
    store = Store(pg_url)
    assert not (home / "var" / "sprint.db").exists()
    assert sorted((r.unit, r.verdict) for r in store.receipts()) == [
        ("220802", "accepted"), ("220821", "accepted"), ("220822", "accepted"),
        ("220881", "rejected"), ("cght", "accepted")]
    rows = store.outbox_rows()
    assert sorted((r["unit"], r["kind"], r["status"]) for r in rows) == [
        ("220802", "acceptance", "sent"), ("220821", "acceptance", "sent"),
        ("220822", "acceptance", "sent"), ("220881", "rejection", "sent"),
        ("220881", "reminder", "sent"), ("220882", "reminder", "sent"), ("bcjk", "reminder", "sent"),
        ("cght", "acceptance", "sent"), ("sfpb", "summary", "sent")]
    arrived = {m["Message-ID"]: m for _, m in sink.handler.received}
    for r in rows:
        recorded = message_from_bytes(r["message"], policy=policy.default)
        assert arrived[recorded["Message-ID"]]["Subject"] == recorded["Subject"] == r["subject"]

    # The run, its name and its artifact are on the Prefect server, whose tables are PostgreSQL's.
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    assert run.name == "labor-ledger 2020-10-09 @2020-10-12 12:00" and run.state.is_completed()
    summary = Artifact.get("labor-ledger-summary").data
    assert "未报送或被退回：" in summary and "洮南市" in summary.split("未报送或被退回：")[1]
    prefect_db = make_url(prefect_pg.database_url).set(drivername="postgresql")
    with psycopg.connect(prefect_db.render_as_string(hide_password=False)) as conn:
        assert conn.execute("SELECT name, state_type FROM flow_run WHERE id = %s",
                            (run_id,)).fetchone() == (run.name, "COMPLETED")

    # A second run finds everything recorded in PostgreSQL and sends nothing new.
    again = labor_ledger(as_of=AS_OF, return_state=True)
    assert again.is_completed() and len(sink.handler.received) == len(EXPECTED)


def test_a_mail_read_twice_at_once_is_taken_once_on_postgresql(pg_url, plan, tmp_path):
    from sprint.domain.records import TAKEN
    from sprint.mailin.letter import DUPLICATE, take
    from tests.letters import mail

    store = Store(pg_url)
    raw = mail("taobei@example.org", [("a.csv", b"x,y\n1,2\n")], message_id="<pg@example.org>")
    barrier = threading.Barrier(4)

    def read(_):
        barrier.wait()
        return take(raw, NOW, plan, Store(pg_url), tmp_path / "inbox", tmp_path / "letters",
                    NOW).outcome

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(read, range(4)))
    assert outcomes == [DUPLICATE, DUPLICATE, DUPLICATE, TAKEN]
    assert [x.outcome for x in store.letters.all()] == [TAKEN]
    assert len(list((tmp_path / "inbox" / "220802").iterdir())) == 1


def test_a_store_keyed_once_per_content_takes_the_same_content_for_a_new_period(pg_url):
    """A store whose submissions were keyed on (unit, sha256), opened now: the key becomes
    (unit, sha256, period, verdict), four workers opening it after find nothing left to do, and the same
    bytes count once per period (a ledger unchanged since last month is this month's report)."""
    import sqlalchemy as sa

    Store(pg_url)
    engine = sa.create_engine(make_url(pg_url))
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE submissions DROP CONSTRAINT "
                             "one_record_per_content_period_and_verdict")
        conn.exec_driver_sql("ALTER TABLE submissions ADD CONSTRAINT one_record_per_content "
                             "UNIQUE (unit, sha256)")
    engine.dispose()
    old = Store(pg_url)
    assert old.record(**submission())
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store(pg_url), range(4)))
    store = stores[0]
    assert store.record(**submission(at="2020-10-20 10:00") | {"period": "2020-10-23"})
    assert not store.record(**submission(at="2020-10-21 10:00") | {"period": "2020-10-23"})
    assert [r.period for r in store.receipts()] == ["2020-10-09", "2020-10-23"]
