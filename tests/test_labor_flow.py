"""The labor-ledger flow end to end: real files in, a real Prefect server, a real SMTP server."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from prefect.artifacts import Artifact

from flows.labor_ledger import labor_ledger
from tests.factories import beijing, drop, make_ledger

pytestmark = pytest.mark.integration


@pytest.fixture
def inbox(home):
    """Seven units: on time (.xlsx with a title row, .xls, GBK .csv), a refused file and its
    late correction, a file that arrives on 10-13, and a unit that sends nothing."""
    root = home / "inbox"
    frames = {u: make_ledger(u, rows=n) for u, n in
              [("220802", 40), ("220821", 25), ("220822", 30), ("220881", 20), ("bcjk", 8),
               ("cght", 12)]}
    drop(root, "220802", "洮北区.xlsx", frames["220802"], "2020-10-08 15:20", title="洮北区台账")
    drop(root, "220821", "镇赉县.xls", frames["220821"], "2020-10-09 16:45")
    drop(root, "220822", "通榆县-gbk.csv", frames["220822"], "2020-10-09 10:05")
    bad = frames["220881"].copy()
    bad.loc[3, "务工区域"] = "外省"
    bad.loc[5, "身份证号"] = bad.loc[5, "身份证号"][:17] + ("1" if bad.loc[5, "身份证号"][17] != "1" else "2")
    drop(root, "220881", "洮南市.xlsx", bad, "2020-10-09 11:30")
    drop(root, "220881", "洮南市-改.xlsx", frames["220881"], "2020-10-12 10:10")
    drop(root, "bcjk", "开发区.csv", frames["bcjk"], "2020-10-13 09:40")
    drop(root, "cght", "查干浩特.xlsx", frames["cght"], "2020-10-08 09:00")
    (root / "220882").mkdir()
    return frames, bad


def mail_to(sink, address):
    return [m for rcpt, m in sink.handler.received if address in rcpt]


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def test_the_labor_ledger_run_mails_each_unit_what_concerns_it(prefect_server, home, inbox, sink):
    frames, bad = inbox
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_completed(), state.message

    # 洮南市's first file was refused: the reply lists every problem, the full ID is its own.
    [reply] = mail_to(sink, "taonan@example.org")
    assert reply["Subject"] == "【百日冲刺】退回：洮南市报送的《贫困劳动力转移就业台账》未通过校验（洮南市.xlsx）"
    body = text_of(reply)
    assert "共发现 2 处问题" in body
    assert "第5行“务工区域”列（值：外省）：应为以下之一：省外、省内县外、县内" in body
    assert f"第7行“身份证号”列（值：{bad.loc[5, '身份证号']}）：校验码错误" in body

    # Units that sent nothing get the reminder of the latest passed offset (+1, on 10-10).
    for address in ("daan@example.org", "bcjk@example.org"):
        [reminder] = mail_to(sink, address)
        assert reminder["Subject"] == ("【百日冲刺】逾期提醒：贫困劳动力转移就业台账已逾期2个工作日"
                                       "（2020-09-26至2020-10-09）")
        assert "2020年10月9日 17:00" in text_of(reminder)
    for address in ("taobei@example.org", "zhenlai@example.org", "tongyu@example.org",
                    "cght@example.org"):
        assert mail_to(sink, address) == []

    # The summary goes to 市人社局 and 市扶贫办 in one message.
    [summary] = mail_to(sink, "renshe@example.org")
    assert sorted(summary["To"].addresses[i].addr_spec for i in range(2)) == [
        "fupinban@example.org", "renshe@example.org"]
    assert summary["Subject"].startswith("【百日冲刺】贫困劳动力转移就业台账汇总（2020-09-26至2020-10-09）")
    text = text_of(summary)
    assert "应报 7 个单位，已报 5 个（完整率 71%），按时 4 个（及时率 57%）" in text
    assert "未报送或被退回：大安市、白城经济开发区" in text
    away = (frames["220802"]["务工区域"] != "县内").sum()
    assert "洮北区：按时报送" in text and f"外出务工 {away} 人，去年 410 人，差{410 - away}" in text
    assert "洮南市：逾期报送" in text
    html = html_of(summary)
    assert re.search(r'<img src="cid:chart-2020-10-09"', html)
    [chart] = [p for p in summary.walk() if p.get_content_type() == "image/png"]
    assert chart["Content-ID"] == "<chart-2020-10-09>"
    assert chart.get_payload(decode=True).startswith(b"\x89PNG")

    # The compiled ledger opens with every submitted row, IDs masked.
    [attachment] = [p for p in summary.iter_attachments() if p.get_filename().endswith(".xlsx")]
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.get_payload(decode=True))).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("填报单位", "单位名称", "序号")
    assert len(rows) - 1 == 40 + 25 + 30 + 20 + 12
    ids = [r[rows[0].index("身份证号")] for r in rows[1:]]
    assert all(re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", i) for i in ids)
    assert ids[0] == frames["220802"].loc[0, "身份证号"][:6] + "********" + frames["220802"].loc[0, "身份证号"][-4:]
    raw = attachment.get_payload(decode=True)
    assert frames["220802"].loc[0, "身份证号"].encode() not in raw

    # The run's artifacts show the summary and every unit's state.
    md = Artifact.get("labor-ledger-summary")
    assert "| 洮南市 | 逾期报送 |" in md.data
    assert "未报送或被退回：大安市、白城经济开发区" in md.data
    table = json.loads(Artifact.get("labor-ledger-states").data)
    assert {"事项": "贫困劳动力转移就业台账（双周报送）", "报送期": "2020-10-09", "单位": "大安市",
            "代码": "220882", "状态": "已逾期",
            "截止": "2020-10-09 17:00", "报送时间": ""} in table
    assert not re.search(r"\d{17}[\dX]", md.data + json.dumps(table))

    # A second run at the same time sends nothing new.
    count = len(sink.handler.received)
    again = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert again.is_completed() and len(sink.handler.received) == count

    # The next day: the zone's late file is taken in, 大安市 gets the +3 reminder, no new summary.
    labor_ledger(as_of=beijing("2020-10-13 12:00"))
    new = sink.handler.received[count:]
    assert [(rcpt, m["Subject"][:14]) for rcpt, m in new] == [
        (["daan@example.org"], "【百日冲刺】逾期提醒：贫困劳")]
    assert "已逾期3个工作日" in new[0][1]["Subject"]
    kept = list((home / "var" / "kept").rglob("*"))
    assert len([k for k in kept if k.is_file()]) == 7  # every original, the refused one too


def test_a_dry_run_renders_every_mail_and_sends_none(prefect_server, home, inbox, sink):
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), dry_run=True, return_state=True)
    assert state.is_completed()
    assert sink.handler.received == []
    rendered = sorted(p.name for p in (home / "var" / "dry-run").rglob("*.eml"))
    assert rendered == ["001-rejection-220881.eml", "002-reminder-220882.eml",
                        "003-reminder-bcjk.eml", "004-summary-sfpb.eml"]
    labor_ledger(as_of=beijing("2020-10-12 12:00"))
    assert len(sink.handler.received) == 4


def test_mail_that_cannot_go_waits_and_the_run_says_so(prefect_server, home, inbox, sink,
                                                        monkeypatch):
    from sprint.mailsink import free_port

    monkeypatch.setenv("SPRINT_SMTP_PORT", str(free_port("127.0.0.1")))
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_failed()
    assert "4 message(s) wait for the next run" in state.message
    monkeypatch.setenv("SPRINT_SMTP_PORT", str(sink.port))
    assert labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True).is_completed()
    assert len(sink.handler.received) == 4
