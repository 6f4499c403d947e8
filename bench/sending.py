"""Sending, measured three ways against a loopback SMTP server of its own process: raw SMTP
over one connection (the library's own `sendmail`, the limit), our mailer alone, and our
outbox (claim, send, settle). Used by bench/run.py."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time


def counting_sink() -> tuple[subprocess.Popen, int]:
    """A loopback SMTP server in its own process (so it takes no time from ours) that only
    counts what it accepts."""
    code = (
        "import sys, time\n"
        "from aiosmtpd.controller import Controller\n"
        "from sprint.job.mailsink import free_port\n"
        "class Count:\n"
        "    n = 0\n"
        "    async def handle_DATA(self, server, session, envelope):\n"
        "        Count.n += 1\n"
        "        return '250 OK'\n"
        "port = free_port('127.0.0.1')\n"
        "c = Controller(Count(), hostname='127.0.0.1', port=port, data_size_limit=64 << 20)\n"
        "c.start(); print(port, flush=True)\n"
        "sys.stdin.read(); c.stop()\n"
    )
    sink = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    return sink, int(sink.stdout.readline())


def sending(port: int, db_url: str, rounds: int = 6, chunk: int = 500) -> dict:
    """The same recorded messages sent raw over one connection; by our mailer alone; and
    through our outbox, which claims and settles each message in the store.

    Raw is the library's own `sendmail`, the limit. Our mailer takes the same transaction a
    step at a time, so that the outbox's claim is written while the server reads the MAIL
    command (see `Mailer.send_raw`); alone, it shows what the steps cost, and the outbox over it
    what the store costs.

    This machine's speed wanders: the same 1,000 messages take 0.75 s in one second and 1.2 s
    in the next, over ten times the difference being measured. So the three are measured in
    turn, `chunk` messages at a time (under half a second), `rounds` times, who goes first
    taking turns, and compared over their sums: all see the same weather."""
    from sprint.domain.records import OutboxKey
    from sprint.mailout import outbox
    from sprint.mailout.mailer import YagmailMailer
    from sprint.store.store import Store

    recorded = Store(db_url).outbox_rows()
    copies = [recorded[i % len(recorded)] for i in range(chunk)]
    trial = Store(f"sqlite:///{tempfile.mkdtemp(prefix='sprint-send-')}/send.db")
    clients = [YagmailMailer("127.0.0.1", port, "fupinban@example.org") for _ in range(3)]
    library = clients[0]._connected()  # the library's own connection: the protocol's limit

    def raw(turn: int) -> float:
        start = time.perf_counter()
        for row in copies:
            library.smtp.sendmail("fupinban@example.org", row["recipients"].split(","),
                                  row["message"])
        return time.perf_counter() - start

    def mailer(turn: int) -> float:
        start = time.perf_counter()
        for row in copies:
            clients[1].send_raw(row["recipients"].split(","), row["message"])
        return time.perf_counter() - start

    def ours(turn: int) -> float:
        now = dt.datetime.now(dt.UTC)
        for i, row in enumerate(copies):  # rendered ahead, as the flow records them first
            trial.enqueue(OutboxKey("bench", str(turn), row["unit"], row["kind"], str(i)),
                          row["recipients"].split(","), row["subject"], row["message"], now)
        start = time.perf_counter()
        delivery = outbox.deliver(trial, clients[2], now)
        took = time.perf_counter() - start
        assert len(delivery.sent) == len(copies), delivery.problems[:3]
        return took

    ways = {"raw": raw, "mailer": mailer, "ours": ours}
    for way in ways.values():
        way(-1)  # connections opened, caches warm: not timed
    spent = dict.fromkeys(ways, 0.0)
    for turn in range(rounds):
        names = list(ways)[turn % 3:] + list(ways)[:turn % 3]
        for name in names:
            spent[name] += ways[name](turn)
    for client in clients:
        client.close()
    return {"messages": rounds * chunk, **{f"{k}_s": v for k, v in spent.items()}}
