"""Deadlines and events: reminders before, a 通报 after, progress measured from the ledgers."""

from __future__ import annotations

import pandas as pd
import pytest
from flows.deadlines import deadlines

from tests.factories import beijing, drop

pytestmark = pytest.mark.integration
RECT = ["问题编号", "问题来源", "问题类别", "问题描述", "责任单位", "整改措施", "整改时限", "整改状态",
        "完成日期"]


def rectification(items: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(number, source, category, state) per item; finished items get a completion date."""
    return pd.DataFrame([[n, src, cat, "问题描述", "乡政府", "整改措施", "2020-10-31", state,
                          "2020-10-20" if state == "已完成" else ""] for n, src, cat, state in items],
                        columns=RECT)


def mails(sink, address):
    return [m for r, m in sink.handler.received if address in r]


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


def test_owners_not_done_are_reminded_with_their_progress_then_named_in_a_notice(
        prefect_server, home, inbox, sink):
    state = deadlines(as_of=beijing("2020-10-28 10:00"), return_state=True)
    assert state.is_completed(), state.message
    [taobei] = [m for m in mails(sink, "taobei@example.org") if "排查发现的问题" in m["Subject"]]
    assert taobei["Subject"] == ("【百日冲刺】还有2个工作日：排查发现的问题10月底前清零销号"
                                 "（截止 2020年10月30日 17:00）")
    assert "贵单位目前：已完成 3/4（75%）。" in text(taobei)
    assert not [m for m in mails(sink, "zhenlai@example.org") if "排查发现的问题" in m["Subject"]]
    [daan] = [m for m in mails(sink, "daan@example.org") if "排查发现的问题" in m["Subject"]]
    assert "贵单位目前：未报送《问题整改台账》。" in text(daan)
    assert [m for m in mails(sink, "zhujian@example.org") if "排查发现的问题" in m["Subject"]]

    deadlines(as_of=beijing("2020-11-02 10:00"))
    [notice] = [m for m in mails(sink, "lingdao@example.org") if "排查发现的问题" in m["Subject"]]
    assert notice["Subject"].startswith("【百日冲刺】通报：")
    assert "fupinban@example.org" in notice["To"]
    body = text(notice)
    assert "- 洮北区：已完成 3/4（75%）" in body and "- 大安市：未报送《问题整改台账》" in body
    assert "已完成：镇赉县" in body
    count = len(sink.handler.received)
    deadlines(as_of=beijing("2020-11-02 10:00"))
    assert len(sink.handler.received) == count


def test_a_completion_report_counts_only_when_it_says_done(prefect_server, home, sink):
    report = pd.DataFrame([["完成5年和1年“两个总结”", "已完成", "2020-10-14", ""]],
                          columns=["事项", "完成情况", "完成日期", "说明"])
    drop(home / "inbox", "220802", "总结.xlsx", report, "2020-10-14 10:00")
    drop(home / "inbox", "220821", "总结.xlsx", report.assign(完成情况="推进中", 完成日期=""),
         "2020-10-14 10:00")
    wrong = report.assign(事项="写总结")
    drop(home / "inbox", "220822", "总结.xlsx", wrong, "2020-10-14 10:00")
    deadlines(as_of=beijing("2020-10-16 10:00"))
    [notice] = [m for m in mails(sink, "lingdao@example.org") if "两个总结" in m["Subject"]]
    body = text(notice)
    assert "- 镇赉县：推进中" in body and "- 通榆县：未报送" in body and "洮北区" not in body.split("已完成")[0]
    [reply] = [m for m in mails(sink, "tongyu@example.org") if "退回" in m["Subject"]]
    assert "应为以下事项之一" in text(reply) and "完成5年和1年“两个总结”" in text(reply)


def test_events_remind_every_owner_before_the_day(prefect_server, home, sink):
    deadlines(as_of=beijing("2020-09-28 10:00"))
    subjects = [m["Subject"] for r, m in sink.handler.received if r == ["baobao@example.org"]]
    assert subjects == ["【百日冲刺】国庆节、中秋节消费扶贫产品销售（10月1日）准备提醒"]
    credit = [m for m in mails(sink, "taobei@example.org") if "专班" in m["Subject"]]
    assert credit and "还有" in credit[0]["Subject"]
