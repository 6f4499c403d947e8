"""The labor-ledger flow end to end: real files in, a real Prefect server, a real SMTP server."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from prefect.artifacts import Artifact

from flows.duties import duties
from tests.factories import beijing, drop, make_ledger

pytestmark = pytest.mark.integration


def labor_ledger(**kw):
    return duties(flow="labor-ledger", **kw)


@pytest.fixture
def inbox(home):
    """Seven units: on time (.xlsx with a title row, .xls, GBK .csv); a refused file and its
    correction the working Saturday after the due day (a late file of the same period); a refused
    file never corrected; a file that comes on 10-13, too late to count for the period just past
    (it counts for the next one); and a unit on time."""
    root = home / "inbox"
    frames = {u: make_ledger(u, rows=n) for u, n in
              [("220802", 40), ("220821", 25), ("220822", 30), ("220881", 20), ("220882", 15),
               ("bcjk", 8), ("cght", 12)]}
    drop(root, "220802", "洮北区.xlsx", frames["220802"], "2020-10-08 15:20", title="洮北区台账")
    drop(root, "220821", "镇赉县.xls", frames["220821"], "2020-10-09 16:45")
    drop(root, "220822", "通榆县-gbk.csv", frames["220822"], "2020-10-09 10:05")
    bad = frames["220881"].copy()
    bad.loc[3, "务工区域"] = "外省"
    bad.loc[5, "身份证号"] = bad.loc[5, "身份证号"][:17] + ("1" if bad.loc[5, "身份证号"][17] != "1" else "2")
    drop(root, "220881", "洮南市.xlsx", bad, "2020-10-09 11:30")
    drop(root, "220881", "洮南市-改.xlsx", frames["220881"], "2020-10-10 10:10")
    daan = frames["220882"].copy()
    daan.loc[2, "身份证号"] = daan.loc[2, "身份证号"][:17] + ("1" if daan.loc[2, "身份证号"][17] != "1" else "2")
    drop(root, "220882", "大安市.csv", daan, "2020-10-09 15:00")
    drop(root, "bcjk", "开发区.csv", frames["bcjk"], "2020-10-13 09:40")
    drop(root, "cght", "查干浩特.xlsx", frames["cght"], "2020-10-08 09:00")
    return frames, bad, daan


def mail_to(sink, address):
    return [m for rcpt, m in sink.handler.received if address in rcpt]


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def subjects(sink, address):
    return [m["Subject"] for m in mail_to(sink, address)]


def away(frame):
    """Clause 6①'s migrant poor workers: outside the county, not 边缘户."""
    return int(((frame["务工区域"] != "县内") & (frame["人员类别"] != "边缘户")).sum())


def test_the_labor_ledger_run_mails_each_unit_what_concerns_it(prefect_server, home, inbox, sink):
    frames, bad, daan = inbox
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_completed(), state.message

    # 大安市's refused file: the reply lists every problem, the full ID is its own; and, still
    # owing the period, it is reminded, where it stands that day.
    rejection, reminder = mail_to(sink, "daan@example.org")
    assert rejection["Subject"] == "【百日冲刺】退回：大安市报送的《贫困劳动力转移就业台账》未通过校验（大安市.csv）"
    assert "共发现 1 处问题" in text_of(rejection)
    assert f"第4行“身份证号”列（值：{daan.loc[2, '身份证号']}）：校验码错误" in text_of(rejection)
    assert reminder["Subject"] == ("【百日冲刺】已逾期2个工作日：贫困劳动力转移就业台账"
                                   "（2020-09-26至2020-10-09）")
    assert "贵单位此前报送的文件未通过校验" in text_of(reminder)
    assert "2020年10月9日 17:00" in text_of(reminder)

    # 洮南市 corrected its refused file within a working day of the due time: one mail says the
    # correction was taken for that period, late, and that the earlier file was refused.
    [taonan] = mail_to(sink, "taonan@example.org")
    assert taonan["Subject"] == ("【百日冲刺】已接收：洮南市《贫困劳动力转移就业台账》20行，"
                                 "计入报送期2020-09-26至2020-10-09（逾期）")
    assert "此前报送的“洮南市.xlsx”（2020年10月9日 11:30）未通过校验（2 处问题，如：第5行“务工区域”列" \
        in text_of(taonan)

    # On-time units hear that their file was taken, for which period; the zone, silent so far,
    # is reminded.
    for address in ("taobei@example.org", "zhenlai@example.org", "tongyu@example.org",
                    "cght@example.org"):
        [accepted] = subjects(sink, address)
        assert accepted.startswith("【百日冲刺】已接收：") and "计入报送期2020-09-26至2020-10-09（按时）" in accepted
    assert subjects(sink, "bcjk@example.org") == [
        "【百日冲刺】已逾期2个工作日：贫困劳动力转移就业台账（2020-09-26至2020-10-09）"]

    # The summary goes to 市人社局 and 市扶贫办 in one message, each figure with its counts.
    [summary] = mail_to(sink, "renshe@example.org")
    assert sorted(summary["To"].addresses[i].addr_spec for i in range(2)) == [
        "fupinban@example.org", "renshe@example.org"]
    assert summary["Subject"].startswith("【百日冲刺】贫困劳动力转移就业台账汇总（2020-09-26至2020-10-09）：已报5/7，按时4")
    text = text_of(summary)
    assert "应报 7 个单位，已报 5 个（完整率 5 ÷ 7 = 71%），按时 4 个（及时率 4 ÷ 7 = 57%）" in text
    assert "未报送或被退回：大安市、白城经济开发区" in text
    taobei = away(frames["220802"])
    # "不低于去年": last year's figures are the office's to give; until given, none is invented.
    assert f"- 洮北区：外出务工贫困劳动力 {taobei} 人；去年数据未提供，暂不判定" in text
    assert "- 洮南市：逾期报送（2020年10月10日 10:10，20 行）" in text
    assert "- 大安市：被退回" in text
    html = html_of(summary)
    assert re.search(r'<img src="cid:chart-labor-ledger-2020-10-09"', html)
    [chart] = [p for p in summary.walk() if p.get_content_type() == "image/png"]
    assert chart["Content-ID"] == "<chart-labor-ledger-2020-10-09>"
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

    # The run's artifacts show each figure's formula and every unit's state, no ID in full.
    md = Artifact.get("labor-ledger-summary")
    assert f"| 洮北区 | 外出务工贫困劳动力 {taobei} 人 | 去年数据未提供，暂不判定 |" in md.data
    assert "未报送或被退回：大安市、白城经济开发区" in md.data
    table = json.loads(Artifact.get("labor-ledger-states").data)
    assert {"任务": "贫困劳动力转移就业台账（双周报送）", "报送期": "2020-10-09", "报送单位": "大安市",
            "代码": "220882", "状态": "被退回", "进展": "", "截止": "2020-10-09 17:00",
            "报送时间": "", "依据": "周期为方案规定，报送日由市扶贫办确定"} in table
    assert not re.search(r"\d{17}[\dX]", md.data + json.dumps(table))

    # A second run at the same time sends nothing new.
    count = len(sink.handler.received)
    again = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert again.is_completed() and len(sink.handler.received) == count

    # The next day: the zone's file, two working days after the due time, counts for the next
    # period and it is told so; it still owes the period just past, as 大安市 does: both get
    # the +3 reminder. No second summary.
    labor_ledger(as_of=beijing("2020-10-13 12:00"))
    new = [(rcpt[0], m["Subject"]) for rcpt, m in sink.handler.received[count:]]
    assert new == [
        ("bcjk@example.org", "【百日冲刺】已接收：白城经济开发区《贫困劳动力转移就业台账》8行，"
                             "计入报送期2020-10-10至2020-10-23（按时）"),
        ("daan@example.org", "【百日冲刺】已逾期3个工作日：贫困劳动力转移就业台账（2020-09-26至2020-10-09）"),
        ("bcjk@example.org", "【百日冲刺】已逾期3个工作日：贫困劳动力转移就业台账（2020-09-26至2020-10-09）"),
    ]
    kept = list((home / "var" / "kept").rglob("*"))
    assert len([k for k in kept if k.is_file()]) == 8  # every original, the refused ones too


def test_a_dry_run_renders_every_mail_and_sends_none(prefect_server, home, inbox, sink):
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), dry_run=True, return_state=True)
    assert state.is_completed()
    assert sink.handler.received == []
    rendered = {p.name[4:] for p in (home / "var" / "dry-run").rglob("*.eml")}
    assert rendered == {f"acceptance-{u}.eml" for u in ("220802", "220821", "220822", "220881", "cght")} | {
        "rejection-220882.eml", "reminder-220882.eml", "reminder-bcjk.eml", "summary-sfpb.eml"}
    labor_ledger(as_of=beijing("2020-10-12 12:00"))
    assert len(sink.handler.received) == 9


def test_mail_that_cannot_go_waits_and_the_run_says_so(prefect_server, home, inbox, sink,
                                                        monkeypatch):
    from sprint.job.mailsink import free_port

    monkeypatch.setenv("SPRINT_SMTP_PORT", str(free_port("127.0.0.1")))
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_failed()
    assert "9 封邮件待下次运行重发" in state.message
    monkeypatch.setenv("SPRINT_SMTP_PORT", str(sink.port))
    assert labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True).is_completed()
    assert len(sink.handler.received) == 9
