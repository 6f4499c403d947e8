"""The intake flow on the Prefect test server with the loopback SMTP server: mail delivered into
the operator's Maildir, read by the watcher, announced, and answered at once by the intake;
the scheduled run that comes after answers nothing twice."""

from __future__ import annotations

import smtplib

import pytest
from prefect.artifacts import Artifact

from flows.duties import duties
from flows.intake import intake
from sprint.config.settings import load_settings
from sprint.demo.ledgers import write_ledger
from sprint.job.mailsink import MailSink
from sprint.job.watch import LANDED, MAIL_READ, Watcher
from sprint.mailin.boxes import Maildir
from sprint.store.store import Store
from tests.factories import beijing, make_ledger
from tests.letters import ledger_bytes, mail

pytestmark = pytest.mark.integration


@pytest.fixture
def post(home, monkeypatch):
    """A loopback SMTP server delivering the operator's mail into its Maildir, as the main
    job's does; mail to the units is what they see."""
    with MailSink(mailboxes={"fupinban@example.org": home / "var" / "mailbox"}) as server:
        monkeypatch.setenv("SPRINT_SMTP_PORT", str(server.port))
        yield server


def send(server, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.sendmail("x@example.org", ["fupinban@example.org"], raw)


def answers(server, address, word):
    return [m for rcpt, m in server.handler.received if address in rcpt and word in str(m["Subject"])]


def test_mail_to_the_operator_is_announced_and_answered_by_the_intake_once(
        prefect_server, home, post, tmp_path):
    s = load_settings()
    store = Store(s.db_url)
    events = []
    clock = [beijing("2020-10-08 12:00")]
    watcher = Watcher(s.plan, store, s.inbox_root, s.letters_root,
                      lambda event, unit, payload: events.append((event, unit)),
                      Maildir(s.mailbox_root), clock=lambda: clock[0], hold=0)

    wrong = make_ledger(rows=5)
    wrong.loc[1, "身份证号"] = "22080219900101123"
    refused = write_ledger(wrong, tmp_path / "台账.xlsx").read_bytes()
    send(post, mail("taobei@example.org", [("台账.xlsx", refused)], date="2020-10-08 11:50"))
    watcher.step()
    assert events == [(LANDED, "220802")]
    state = intake(unit="220802", as_of=clock[0], return_state=True)
    assert state.is_completed(), state.message
    [rejection] = answers(post, "taobei@example.org", "退回")
    assert "22080219900101123" in rejection.get_body(("plain",)).get_content()
    intake_artifact = Artifact.get("intake")
    assert "台账_" in intake_artifact.data and "22080219900101123" not in intake_artifact.data

    clock[0] = beijing("2020-10-08 15:00")
    send(post, mail("taobei@example.org", [("台账（改）.xlsx", ledger_bytes(tmp_path, rows=5))],
                    date="2020-10-08 14:55"))
    send(post, mail("tongyu@example.org", [], date="2020-10-08 14:56"))
    send(post, mail("somebody@elsewhere.cn", [("x.csv", b"a,b\n")], date="2020-10-08 14:57"))
    watcher.step()
    assert sorted(events[1:]) == [(LANDED, "220802"), (MAIL_READ, "220822"), (MAIL_READ, "sfpb")]
    assert intake(unit="220802", as_of=clock[0], return_state=True).is_completed()
    [acceptance] = answers(post, "taobei@example.org", "已接收")
    assert "按时" in str(acceptance["Subject"])
    assert len(answers(post, "tongyu@example.org", "未收到台账")) == 1
    [notice] = answers(post, "fupinban@example.org", "不属于任何单位")
    assert "somebody@elsewhere.cn" in notice.get_body(("plain",)).get_content()
    assert not [m for rcpt, m in post.handler.received if "elsewhere.cn" in ",".join(rcpt)]
    watcher.step()  # everything taken in and answered: nothing to announce again
    assert len(events) == 4

    before = len(post.handler.received)
    state = duties(flow="labor-ledger", as_of=beijing("2020-10-08 15:30"), return_state=True)
    assert state.is_completed(), state.message
    later = [m for _, m in post.handler.received[before:]]
    assert not [m for m in later if "退回" in str(m["Subject"]) or "已接收" in str(m["Subject"])]
    assert [r.verdict for r in store.receipts()] == ["rejected", "accepted"]
