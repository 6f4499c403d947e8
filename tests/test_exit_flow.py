"""The exit procedure end to end: stages from the county's ledgers, lists, summary, 通报."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from flows.duties import duties
from sprint.demo.ledgers import make_id
from tests.approving import Run
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration
OK = {"吃穿不愁": "是", "义务教育保障": "是", "基本医疗保障": "是", "住房安全保障": "是", "饮水安全": "是"}
STAGES = ["村两委民主评议", "村两委和驻村工作队核实", "贫困户认可", "村内公示", "公告退出", "销号"]


def household(rng, unit, name, income):
    return {"乡镇": "平台镇", "村": "王家村", "户主姓名": name,
            "户主身份证号": make_id(rng, unit, dt.date(2020, 11, 1), 30, 70), "家庭人口": 3,
            "年人均纯收入(元)": income, **OK}


def stages(h, days, objection_on=None):
    return [{"乡镇": h["乡镇"], "村": h["村"], "户主姓名": h["户主姓名"], "户主身份证号": h["户主身份证号"],
             "环节": STAGES[i], "日期": f"2020-11-{d:02d}", "是否有异议": "是" if d == objection_on else "否",
             "说明": ""} for i, d in enumerate(days)]


@pytest.fixture
def inbox(home):
    rng = random.Random(15)
    root = home / "inbox"
    h = [household(rng, "220802", n, inc) for n, inc in
         [("张大山", 5200), ("李二河", 4800), ("王三林", 3500), ("赵四海", 6100)]]
    drop(root, "220802", "入户情况.xlsx", pd.DataFrame(h), "2020-11-20 10:00")
    problems = pd.DataFrame([{"户主身份证号": h[3]["户主身份证号"], "问题编号": "TB-P1",
                              "存在问题": "医保未缴", "是否整改": "是", "整改日期": "2020-11-10"}])
    drop(root, "220802", "存在问题.xlsx", problems, "2020-11-20 10:00")
    # Every household's three people, but 赵四海's ledger lists only two of them.
    members = pd.DataFrame([{"户主身份证号": x["户主身份证号"], "成员姓名": x["户主姓名"][0] + given,
                             "成员身份证号": make_id(rng, "220802", dt.date(2020, 11, 1), 1, 80),
                             "与户主关系": relation}
                            for x in h for given, relation in [("大", "户主"), ("二", "配偶"), ("三", "子女")]
                            if not (x is h[3] and relation == "子女")])
    drop(root, "220802", "家庭成员.xlsx", members, "2020-11-20 10:00")
    steps = stages(h[0], [2, 4, 5, 6, 13, 16]) + stages(h[1], [2, 4, 5, 6, 10]) + stages(h[2], [3])
    drop(root, "220802", "退出进度.xlsx", pd.DataFrame(steps), "2020-11-26 10:00")
    z = household(rng, "220821", "钱五岳", 7000)
    drop(root, "220821", "入户情况.xlsx", pd.DataFrame([z]), "2020-11-20 10:00")
    drop(root, "220821", "退出进度.xlsx", pd.DataFrame(stages(z, [2, 3, 4, 5, 12, 14])),
         "2020-11-26 10:00")
    return root, h


def test_each_county_learns_what_is_stalled_refused_or_not_started(prefect_server, home, inbox,
                                                                  sink):
    _, h = inbox
    state = duties(flow="exit-process", as_of=beijing("2020-11-27 18:00"), return_state=True)
    assert state.is_completed(), state.message
    [county] = [m for r, m in sink.handler.received if r == ["taobei@example.org"]
                and "脱贫退出进度" in m["Subject"]]
    assert county["Subject"] == "【百日冲刺】洮北区脱贫退出进度：已销号1/4户，1户停滞，2户未启动"
    text = county.get_body(("plain",)).get_content()
    assert "未启动 2，村两委民主评议 0，村两委和驻村工作队核实 0，贫困户认可 0，村内公示 1，公告退出 0，销号 1" in text
    assert "王三林" in text and "年人均纯收入3500元，未超过4000元" in text
    # A 公示 of 4 days is extended, not sent back to verification.
    assert "李二河" in text and "11-10“公告退出”：村内公示仅4天，不足7天，请延长村内公示至满7天" in text
    assert "停在“村内公示”，自 11月6日" in text
    assert "（家庭人口 12 人，家庭成员台账列 11 人）" in text
    assert "赵四海" in text and "家庭成员台账列2人，与家庭人口3人不符" in text
    assert h[0]["户主身份证号"] not in text  # masked even here

    [summary] = [m for r, m in sink.handler.received if "fupinban@example.org" in r
                 and "脱贫退出程序周报" in m["Subject"]]
    assert summary["Subject"] == "【百日冲刺】脱贫退出程序周报（截至11月27日）：已销号2/5户，未启动2户"
    body = summary.get_body(("plain",)).get_content()
    assert "- 大安市：未报送台账" in body
    # People reconciled against the plan's 1,526 and the members ledger.
    assert "人数核对：方案所列未脱贫人口 1526 人；各县入户情况台账家庭人口合计 15 人" in body
    assert not [m for r, m in sink.handler.received if "lingdao@example.org" in r]

    run = Run(flow="exit-process", as_of=beijing("2020-12-04 18:00"))
    run.answer(decision="批准发送")
    assert run.wait().is_completed()
    [notice] = [m for r, m in sink.handler.received if "lingdao@example.org" in r]
    body = notice.get_body(("plain",)).get_content()
    named = body.split("如下：")[1].split("已完成")[0]
    assert "- 洮北区：2 户未启动“村两委民主评议”（共 4 户，已销号 1 户）" in named
    assert "- 大安市：未报送脱贫退出台账" in named and "镇赉县" not in named
    assert "已完成：镇赉县" in body
