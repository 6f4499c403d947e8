"""The weekly dispatch: overdue items by number, silent units by name, the 通报, one page."""

from __future__ import annotations

import pytest

from flows.duties import duties
from tests.approving import Run
from tests.factories import beijing, drop
from tests.test_deadlines import rectification

pytestmark = pytest.mark.integration


def weekly_dispatch(**kw):
    return duties(flow="weekly-dispatch", **kw)


@pytest.fixture
def inbox(home):
    root = home / "inbox"
    week2 = rectification([("TB-001", "排查发现", "住房安全", "推进中"),
                           ("TB-002", "排查发现", "饮水安全", "推进中"),
                           ("TB-003", "督查检查", "收入", "未启动")])
    week2.loc[0, "整改时限"] = "2020-10-20"
    drop(root, "220802", "整改-第2周.xlsx", week2, "2020-10-15 16:00")
    week3 = week2.copy()
    week3.loc[1, ["整改状态", "完成日期"]] = ["已完成", "2020-10-21"]
    drop(root, "220802", "整改-第3周.xlsx", week3, "2020-10-22 16:00")
    drop(root, "220821", "整改.csv", rectification([("ZL-001", "排查发现", "收入", "已完成")]),
         "2020-10-23 09:00")
    # A zone with no items to rectify sends the header alone, each week: a report of nothing.
    drop(root, "cght", "整改-无事项.xlsx", rectification([]), "2020-10-15 10:00")
    drop(root, "cght", "整改-无事项-第3周.xlsx", rectification([]), "2020-10-22 10:00")
    return root


def test_the_dispatch_names_overdue_items_and_silent_units_and_the_notice_names_those_told(
        prefect_server, home, inbox, sink):
    # The week before: units that sent nothing are reminded; nobody is named yet, for nobody
    # was told before.
    state = weekly_dispatch(as_of=beijing("2020-10-16 17:30"), return_state=True)
    assert state.is_completed(), state.message
    assert not [m for r, m in sink.handler.received if "lingdao@example.org" in r]
    assert [m for r, m in sink.handler.received if r == ["daan@example.org"]]
    # Units silent two weeks running are listed, but no draft names them yet (nobody was told
    # a working day before): the report says so, and never 拟稿通报 without a draft.
    [first] = [m for r, m in sink.handler.received if "周调度" in m["Subject"]]
    silent = first.get_body(("plain",)).get_content().split("连续两周未报送：")[1].split("\n")[0]
    assert "大安市" in silent and "须经审批" not in silent and "本次未拟稿通报" in silent
    count = len(sink.handler.received)

    run = Run(flow="weekly-dispatch", as_of=beijing("2020-10-23 17:30"))
    run.answer(decision="批准发送")
    assert run.wait().is_completed()
    week = sink.handler.received[count:]
    [report] = [m for r, m in week if r == ["fupinban@example.org"] and "周调度" in m["Subject"]]
    assert report["Subject"] == "【百日冲刺】周调度（2020-10-17至2020-10-23）：超期未整改1项，未报送10个单位"  # 查干浩特 reported it has none
    text = report.get_body(("plain",)).get_content()
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("各单位"))
    assert lines[first + 1] == "- 洮北区：未完成 2 项，超期 1 项（TB-001），本周完成 1 项"
    assert "- 镇赉县：未完成 0 项，超期 0 项，本周完成 1 项" in text
    assert "- 大安市：已逾期" in text
    twice = text.split("连续两周未报送：")[1].split("\n")[0]
    assert "大安市" in twice and "镇赉县" not in twice and "已拟稿通报市脱贫攻坚领导小组，须经审批" in twice
    # "市扶贫办将建立周调度机制": the office that dispatches is never named in its own 通报.
    [notice] = [m for r, m in week if "lingdao@example.org" in r]
    assert "市扶贫办：" not in notice.get_body(("plain",)).get_content()
    # The office's own duties past their date go to the operator here, never into a 通报:
    # clause 19 ("在10月中旬前完成5年和1年“两个总结”", 市扶贫办 among its owners), due 10-20.
    own = text.split("市扶贫办自身事项")[1].split("\n\n")[0]
    assert "- 完成5年和1年“两个总结”（截止 2020年10月20日 17:00）：未报送" in own
    # "对工作不落实……随时通报": a zone that reported it has nothing is not behind.
    assert "查干浩特旅游经济开发区" not in twice
    assert "查干浩特旅游经济开发区" not in notice.get_body(("plain",)).get_content()
    assert "- 贫困劳动力转移就业台账（双周报送）：0%（0/14）" in text
    assert "外出务工贫困劳动力总数不低于去年（第6①条）：尚无数据；7 个单位未报送" in text
    html = report.get_body(("html",)).get_content()
    assert 'src="cid:completeness-2020-10-23"' in html
    assert [p for p in report.walk() if p.get_content_type() == "image/png"]
    # 洮北区 hears of its overdue item by number.
    [items] = [m for r, m in week if r == ["taobei@example.org"] and "超过整改时限" in m["Subject"]]
    assert "- TB-001" in items.get_body(("plain",)).get_content()

    # The 通报, approved: the units silent two weeks running, told a week ago. 洮北区's item is
    # overdue, but it hears of it only now: not named yet.
    [notice] = [m for r, m in week if "lingdao@example.org" in r]
    body = notice.get_body(("plain",)).get_content()
    assert "- 大安市：连续2期未报送《问题整改台账》" in body
    assert "- 洮北区" not in body and "另有洮北区收到提醒未满一个工作日，本次暂不通报" in body
    assert "镇赉县" not in body

    count = len(sink.handler.received)
    weekly_dispatch(as_of=beijing("2020-10-23 17:30"))
    assert len(sink.handler.received) == count
