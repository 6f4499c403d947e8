"""Deadlines and events: reminders before, a 通报 draft after a date the plan sets, decided by a
person; progress measured from the ledgers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flows.duties import duties
from tests.approving import Run
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration
RECT = ["问题编号", "问题来源", "问题类别", "问题描述", "责任单位", "整改措施", "整改时限", "整改状态",
        "完成日期"]


def rectification(items: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(number, source, category, state) per item; finished items get a completion date."""
    return pd.DataFrame([[n, src, cat, "问题描述", "乡政府", "整改措施", "2020-10-31", state,
                          "2020-10-20" if state == "已完成" else ""] for n, src, cat, state in items],
                        columns=RECT)


def mails(sink, address, about=""):
    return [m for r, m in sink.handler.received if address in r and about in m["Subject"]]


def text(m):
    return m.get_body(("plain",)).get_content()


@pytest.fixture
def inbox(home):
    root = home / "inbox"
    drop(root, "220802", "整改台账.xlsx", rectification([
        ("TB-001", "排查发现", "住房安全", "已完成"), ("TB-002", "排查发现", "饮水安全", "已完成"),
        ("TB-003", "排查发现", "收入", "已完成"), ("TB-004", "排查发现", "义务教育", "推进中"),
        ("TB-005", "督查检查", "政策落实", "未启动")]), "2020-10-23 10:00")
    drop(root, "220821", "整改台账.csv", rectification([
        ("ZL-001", "排查发现", "住房安全", "已完成"), ("ZL-002", "中央巡视反馈", "收入", "推进中")]),
        "2020-10-23 11:00")
    return root


def test_owners_not_done_are_reminded_then_a_notice_waits_for_approval_and_goes_with_its_note(
        prefect_server, home, inbox, sink):
    state = duties(flow="deadlines", as_of=beijing("2020-10-28 10:00"), return_state=True)
    assert state.is_completed(), state.message
    # "10月底" is the last working day of October for every duty: Friday the 30th.
    [taobei] = [m for m in mails(sink, "taobei@example.org") if "排查发现的问题" in text(m)]
    assert taobei["Subject"].startswith("【百日冲刺】洮北区有7项待办：")  # one mail for all it owes
    body = text(taobei)
    assert ("事项：排查发现的问题10月底前清零销号，截止 2020年10月30日 17:00（方案规定的时限），"
            "还有2个工作日截止。") in body
    assert "贵单位目前：已完成 3/4（75%）。" in body
    assert not [m for m in mails(sink, "zhenlai@example.org") if "排查发现的问题" in text(m)]
    [daan] = [m for m in mails(sink, "daan@example.org") if "排查发现的问题" in text(m)]
    assert "贵单位目前：未报送《问题整改台账》。" in text(daan)
    # A date the office set reminds, and says so; it never leads to a 通报.
    assert "市扶贫办确定的报告日" in text(daan)

    # After the plan's dates: 通报 drafts (10月底's two, and 10月中旬's summaries, whose
    # owners were reminded on the 28th), nothing to the leading group until a person decides.
    run = Run(flow="deadlines", as_of=beijing("2020-11-02 10:00"))
    assert run.paused() is not None
    assert mails(sink, "lingdao@example.org") == []
    [ask] = mails(sink, "fupinban@example.org", "待审批")  # one mail for the run's drafts
    assert ask["Subject"].startswith("【百日冲刺】待审批：3份通报草稿")
    assert "排查发现的问题" in text(ask) and "/flow-runs/flow-run/" in text(ask)
    run.answer(decision="附言后批准发送", note="请各单位11月6日前整改到位。")
    run.answer(decision="不发送", reason="已电话督促，暂不通报")
    run.answer(decision="批准发送")
    assert run.wait().is_completed()

    assert len(mails(sink, "lingdao@example.org")) == 2
    [notice] = mails(sink, "lingdao@example.org", "排查发现的问题")
    assert notice["Subject"].startswith("【百日冲刺】通报：") and "排查发现的问题" in text(notice)
    assert "fupinban@example.org" in notice["To"]
    body = text(notice)
    assert "- 洮北区：已完成 3/4（75%）" in body and "- 大安市：未报送《问题整改台账》" in body
    assert "已完成：镇赉县" in body and "附言：请各单位11月6日前整改到位。" in body
    assert "⟨附言⟩" not in body

    from sprint.config.settings import load_settings
    from sprint.store.store import Store

    decided = [(n.duty, n.status, n.note, n.reason)
               for n in Store(load_settings().db_url).notices.all()]
    assert decided == [("inspection-cleared", "approved", "请各单位11月6日前整改到位。", None),
                       ("standards-met", "dropped", None, "已电话督促，暂不通报"),
                       ("two-summaries", "approved", None, None)]
    count = len(sink.handler.received)
    assert duties(flow="deadlines", as_of=beijing("2020-11-02 10:00"), return_state=True).is_completed()
    assert len(sink.handler.received) == count


def test_a_catch_up_run_reminds_first_and_names_nobody_until_a_working_day_later(
        prefect_server, home, sink):
    report = pd.DataFrame([["完成5年和1年“两个总结”", "已完成", "2020-10-14", ""]],
                          columns=["事项", "完成情况", "完成日期", "说明"])
    drop(home / "inbox", "220802", "总结.xlsx", report, "2020-10-14 10:00")
    drop(home / "inbox", "220821", "总结.xlsx", report.assign(完成情况="推进中", 完成日期=""),
         "2020-10-14 10:00")
    drop(home / "inbox", "220822", "总结.xlsx", report.assign(事项="写总结"), "2020-10-14 10:00")
    # The first run comes after the due day and its 通报 time: it sends the due-day reminder
    # (the last one missed) and drafts no 通报, since nobody was told yet.
    state = duties(flow="deadlines", as_of=beijing("2020-10-21 10:00"), return_state=True)
    assert state.is_completed(), state.message
    [accepted] = mails(sink, "zhenlai@example.org", "已接收")
    assert "计入报送期" in accepted["Subject"]
    [zhenlai] = [m for m in mails(sink, "zhenlai@example.org", "待办") if "两个总结" in text(m)]
    assert ("完成5年和1年“两个总结”，截止 2020年10月20日 17:00（方案规定的时限），已逾期1个工作日。"
            "\n贵单位目前：报告为“推进中”。") in text(zhenlai)
    [reply] = [m for m in mails(sink, "tongyu@example.org") if "退回" in m["Subject"]]
    assert "应为以下事项之一" in text(reply) and "完成5年和1年“两个总结”" in text(reply)
    assert not mails(sink, "lingdao@example.org") and not mails(sink, "fupinban@example.org", "待审批")

    # A working day later the units told are named; approval sends it.
    run = Run(flow="deadlines", as_of=beijing("2020-10-22 10:00"))
    run.answer(decision="批准发送")
    assert run.wait().is_completed()
    [notice] = [m for m in mails(sink, "lingdao@example.org") if "两个总结" in text(m)]
    body = text(notice)
    assert "- 镇赉县：报告为“推进中”" in body and "- 通榆县：未报送" in body
    assert "洮北区" not in body.split("已完成")[0]


def test_events_remind_every_owner_before_the_day_and_status_shows_them_as_events(
        prefect_server, home, sink, capsys):
    duties(flow="deadlines", as_of=beijing("2020-09-28 10:00"))
    subjects = [m["Subject"] for r, m in sink.handler.received if r == ["baobao@example.org"]]
    assert subjects == ["【百日冲刺】国庆节、中秋节消费扶贫产品销售（10月1日）准备提醒"]
    credit = [m for m in mails(sink, "taobei@example.org") if "专班" in m["Subject"]]
    assert credit and "还有3个工作日截止" in credit[0]["Subject"]
    assert "（市扶贫办确定的报告日：" in text(credit[0])

    from sprint.commands.cli import main

    assert main(["status", "--as-of", "2020-10-20", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    event = [r for r in rows if r["任务"] == "国庆节、中秋节消费扶贫产品销售"]
    assert event and all(r["状态"] == "节点（已过）" for r in event)
    assert not any(r["状态"] in ("已逾期", "严重逾期") for r in event)
