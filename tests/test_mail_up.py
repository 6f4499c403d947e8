"""Done when: a unit replies to a reminder by mail with a refused ledger, then with its
correction, and hears back each time within a minute; each ledger is taken in once. On the
main job as a newcomer starts it (`sprint up`, a drill so that today is inside the plan): its
Prefect server with the intake deployment's trigger, its worker, its watcher, and its local
SMTP server delivering the operator's mail into the mailbox the watcher reads."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import re
import smtplib
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from sprint.demo.ledgers import write_ledger
from sprint.store.store import Store
from tests.factories import make_ledger
from tests.test_cli import sprint
from tests.test_up import started

pytestmark = pytest.mark.integration
LIMIT = 60  # seconds: the promise, from the mail's sending to the answer's arrival


class Mailroom:
    """The main job's mail folder, read as the units' mail programs would."""

    def __init__(self, folder, port):
        self.folder, self.port, self.seen = folder, port, set()

    def new(self):
        out = []
        for key, msg in mailbox.Maildir(self.folder, create=False).iteritems():
            if key not in self.seen:
                self.seen.add(key)
                out.append(message_from_bytes(msg.as_bytes(), policy=policy.default))
        return out

    def wait(self, to: str, subject: str, seconds: float = LIMIT):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for m in self.new():
                if to in str(m["To"]) and subject in str(m["Subject"]):
                    return m
            time.sleep(0.5)
        raise AssertionError(f"no mail to {to} with {subject!r} within {seconds} s")

    def send(self, sender: str, subject: str, files=(), reply_to=None):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, "fupinban@example.org", subject
        msg["Message-ID"] = make_msgid(domain="example.org")
        if reply_to is not None:
            msg["In-Reply-To"] = msg["References"] = reply_to["Message-ID"]
        msg.set_content("台账见附件。")
        for path in files:
            msg.add_attachment(path.read_bytes(), maintype="application",
                               subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               filename=path.name)
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
            smtp.send_message(msg)


def test_a_unit_replies_to_a_reminder_by_mail_and_hears_back_within_a_minute(
        tmp_path, prefect_shared):
    drill = (dt.date.today() - dt.timedelta(days=8)).isoformat()
    with started(tmp_path, "--no-demo", "--drill", drill, migrated=prefect_shared) as (printed, api):
        folder = re.search(r"邮件      (\S+)/new/", printed).group(1)
        port = int(re.search(r"本地邮件服务 127\.0\.0\.1:(\d+)", printed).group(1))
        home = folder.removesuffix("/mail")
        room = Mailroom(folder, port)
        calendar = sprint("calendar", "--from", dt.date.today().isoformat(), "--json",
                          home=tmp_path / "var")
        period = next(p for p in json.loads(calendar.stdout) if p["duty"] == "labor-ledger")
        at = next(r["at"] for r in period["reminders"] if r["offset"] == 0)  # the due day's
        reminded = sprint("run", "labor-ledger", "--as-of", at[:16].replace("T", " "),
                          home=tmp_path / "var",
                          env={"PREFECT_API_URL": api, "SPRINT_SMTP_PORT": str(port)})
        assert reminded.returncode == 0, reminded.stdout + reminded.stderr
        reminder = room.wait("taobei@example.org", "贫困劳动力转移就业台账", seconds=5)

        frame = make_ledger(rows=6, on=dt.date.today())
        wrong = frame.copy()
        wrong.loc[2, "身份证号"] = "22080219900101123"  # 17 characters
        refused = write_ledger(wrong, tmp_path / "劳动力台账.xlsx")
        room.send("洮北区 <taobei@example.org>", f"回复：{reminder['Subject']}", [refused], reminder)
        rejection = room.wait("taobei@example.org", "退回")
        text = rejection.get_body(("plain",)).get_content()
        assert "第4行“身份证号”列" in text and "22080219900101123" in text  # in full, to the unit

        corrected = write_ledger(frame, tmp_path / "劳动力台账（更正）.xlsx")
        room.send("taobei@example.org", "更正", [corrected], rejection)
        acceptance = room.wait("taobei@example.org", "已接收")
        assert "6行" in str(acceptance["Subject"]) and "按时" in str(acceptance["Subject"])

        room.send("tongyu@example.org", "台账", [])  # no ledger attached
        assert "未附台账" in str(room.wait("tongyu@example.org", "未收到台账")["Subject"])
        room.send("stranger@elsewhere.cn", "台账", [corrected])  # a forged or unknown sender
        notice = room.wait("fupinban@example.org", "不属于任何单位")
        assert "stranger@elsewhere.cn" in notice.get_body(("plain",)).get_content()
        time.sleep(5)
        assert not [m for m in room.new() if "elsewhere.cn" in str(m["To"])]

    store = Store(f"sqlite:///{home}/sprint.db")
    taken = [(r.unit, r.verdict) for r in store.receipts()]
    assert sorted(taken) == [("220802", "accepted"), ("220802", "rejected")]  # once each
    letters = sorted((x.sender, x.outcome) for x in store.letters.all())
    # The notice to the operator came into its mailbox too: our own mail, taken for nothing.
    assert letters == [("fupinban@example.org", "automatic"),
                       ("stranger@elsewhere.cn", "unknown"), ("taobei@example.org", "taken"),
                       ("taobei@example.org", "taken"), ("tongyu@example.org", "no-ledger")]
