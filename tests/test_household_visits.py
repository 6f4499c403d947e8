"""Monthly visits against the roster: coverage, the unvisited listed to their county, need."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.duties import duties
from sprint.demo import target_rows as dl
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration


def household_visits(**kw):
    return duties(flow="household-visits", **kw)


@pytest.fixture
def inbox(home):
    root = home / "inbox"
    taobei = dl.roster_rows("220802", 12, 1, dt.date(2020, 10, 1))
    zhenlai = dl.roster_rows("220821", 6, 1, dt.date(2020, 10, 1))
    drop(root, "220802", "花名册.xlsx", taobei, "2020-10-20 10:00")
    drop(root, "220821", "花名册.xlsx", zhenlai, "2020-10-20 10:00")
    drop(root, "220802", "走访记录.xlsx", dl.visit_rows(taobei, 9, 2, dt.date(2020, 10, 15), 1),
         "2020-11-03 10:00")
    drop(root, "220821", "走访记录.xlsx", dl.visit_rows(zhenlai, 6, 0, dt.date(2020, 10, 16), 1),
         "2020-11-04 10:00")
    late = dl.visit_rows(zhenlai, 1, 0, dt.date(2020, 9, 30), 2)
    drop(root, "220822", "走访记录.xlsx", late, "2020-11-04 10:00")
    return root, taobei


def test_each_county_gets_its_unvisited_and_needy_households_and_the_office_a_summary(
        prefect_server, home, inbox, sink):
    _, taobei = inbox
    state = household_visits(as_of=beijing("2020-11-06 10:00"), return_state=True)
    assert state.is_completed(), state.message
    # 洮北区's two files were taken in this run: one mail says so for both; then its month's list.
    [accepted] = [m for r, m in sink.handler.received if "taobei@example.org" in r
                  and "已接收" in m["Subject"]]
    assert accepted["Subject"] == ("【百日冲刺】已接收：洮北区报送的2个文件"
                                   "（《监测对象花名册》《入户走访记录》）")
    body = accepted.get_body(("plain",)).get_content()
    assert "1. 贵单位于 2020年10月20日 10:00 报送的文件“花名册.xlsx”已通过校验并接收" in body
    assert "计入：脱贫不稳户和边缘户入户走访记录（逐月），报送期 2020-10-01至2020-10-31" in body
    [county] = [m for r, m in sink.handler.received if "taobei@example.org" in r
                and "已接收" not in m["Subject"]]
    assert county["Subject"] == "【百日冲刺】洮北区2020年10月入户走访：3户未走访，2户需帮扶"
    text = county.get_body(("plain",)).get_content()
    assert "监测对象 12 户，已走访 9 户（75%）" in text
    last = taobei.iloc[11]
    masked = last["户主身份证号"][:6] + "********" + last["户主身份证号"][-4:]
    assert f"- {last['乡镇']} {last['村']} {last['户主姓名']}（{masked}，{last['监测类别']}）" in text
    assert last["户主身份证号"] not in text
    assert "住房安全保障未保障；问题：房屋漏雨；措施：协调危房改造" in text
    assert not [m for r, m in sink.handler.received if "zhenlai@example.org" in r
                and "入户走访" in m["Subject"] and "退回" not in m["Subject"]
                and "已接收" not in m["Subject"]]

    [summary] = [m for r, m in sink.handler.received if r == ["fupinban@example.org"]
                 and "入户走访汇总" in m["Subject"]]
    body = summary.get_body(("plain",)).get_content()
    assert summary["Subject"] == "【百日冲刺】2020年10月入户走访汇总：覆盖15/18户，2户需帮扶"
    assert "方案：脱贫不稳户 2206 人、边缘户 4755 人" in body
    assert "- 洮北区：9/12 户（75%），未走访 3 户，需帮扶 2 户" in body
    assert "- 镇赉县：6/6 户（100%）" in body
    assert "- 大安市：未报送《监测对象花名册》" in body
    assert "覆盖率 = 已走访 15 户 ÷ 花名册 18 户 = 83%" in body

    # 通榆县's visit dated September is refused: the month reported is October.
    [reply] = [m for r, m in sink.handler.received if "tongyu@example.org" in r
               and "退回" in m["Subject"]]
    assert "“走访日期”列（值：2020-09-30）：不在报送期（2020-10-01至2020-10-31）内" in (
        reply.get_body(("plain",)).get_content())
