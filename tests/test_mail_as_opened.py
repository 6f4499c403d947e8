"""Mail as people open it: a file of the mail folder opens on a double-click, a reply names the
file as the unit sent it, a subject lists each ledger once, quotes nest as Chinese nests them,
and a rejection says how to send again the way the unit sent."""

from __future__ import annotations

import datetime as dt
import json
import smtplib
from email.message import EmailMessage

from sprint.domain.calendar import BEIJING, periods
from sprint.domain.engine.reminders import merged
from sprint.domain.engine.replies import acceptance, rejection
from sprint.domain.records import Receipt
from sprint.job.mailsink import MailSink
from sprint.mailin.names import placed_name
from sprint.mailout.compose import environment
from sprint.mailout.render import message_of

AT = dt.datetime(2020, 10, 23, 10, 0, tzinfo=BEIJING)


def receipt(name: str, verdict: str = "accepted", n: int = 1, problems: list | None = None):
    return Receipt(id=n, unit="220802", sha256=f"{n:064x}", file_name=name, kept_path=f"/k/{n}",
                   received_at=AT, duty="rectification-ledger" if verdict == "accepted" else None,
                   period="2020-10-23" if verdict == "accepted" else None,
                   template="rectification", verdict=verdict, rows=3,
                   problems_json=json.dumps(problems or []), notes=0)


def test_the_mail_folder_holds_eml_files_a_double_click_opens(tmp_path):
    with MailSink(maildir=tmp_path / "mail") as sink:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@example.org", "b@example.org", "测试"
        m.set_content("正文")
        with smtplib.SMTP("127.0.0.1", sink.port) as s:
            s.send_message(m)
    [kept] = list((tmp_path / "mail" / "new").iterdir())
    assert kept.suffix == ".eml"
    assert "测试" in kept.read_text() or "Subject" in kept.read_text()


def test_an_acceptance_names_the_file_as_sent_and_each_ledger_once(plan):
    """Three mailed rectification ledgers taken in one run: one acceptance, 《问题整改台账》 once."""
    names = ["问题整改台账.xlsx", "问题整改台账（补）.xlsx", "goodL.xlsx"]
    duty = plan.duty("rectification-ledger")
    period = next(p for p in periods(plan, duty) if p.id == "2020-10-23")
    drafts = [acceptance(plan, receipt(placed_name(n, f"msg{i}"), n=i), period, [])
              for i, n in enumerate(names, start=1)]
    [one] = merged(drafts, "run")
    m = message_of(environment(), plan, one)
    assert m.subject.count("《问题整改台账》") == 1 and "3个文件" in m.subject
    for n in names:
        assert f"“{n}”" in m.text
    assert "_" not in "".join(line for line in m.text.splitlines() if "goodL" in line)


def test_a_rejection_says_how_to_send_again_the_way_the_unit_sent(plan):
    problem = [{"row": 2, "column": "整改状态", "value": "完成", "reason": "不在可选值内"}]
    by_mail = message_of(environment(), plan, rejection(
        plan, receipt(placed_name("整改.xlsx", "m"), "rejected", problems=problem), None))
    dropped = message_of(environment(), plan, rejection(
        plan, receipt("整改.xlsx", "rejected", problems=problem), None))
    assert "直接回复本邮件，附上更正后的完整台账" in by_mail.text
    assert "报送文件夹" not in by_mail.text and "“整改.xlsx”" in by_mail.subject + by_mail.text
    assert "放入报送文件夹“220802/”" in dropped.text


def test_quotes_inside_a_quoted_title_nest_as_chinese_nests_them():
    """The plan's title “三保障”和饮水安全10月底前全面达标 quoted in a mail."""
    env = environment()
    out = env.from_string("事项：“{{ t }}”。").render(t="“三保障”和饮水安全10月底前全面达标")
    assert out == "事项：“‘三保障’和饮水安全10月底前全面达标”。"
    assert "““" not in out
