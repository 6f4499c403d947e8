"""A new campaign is a new plan file: a second plan (another city, two units, a recurring ledger
with columns of its own, a deadline) runs end to end with the same code as the Baicheng plan."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from flows.duties import duties
from sprint.demo.ledgers import make_id
from sprint.domain.plan import load_plan
from tests.approving import Run
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration
PLAN = Path(__file__).parent / "plans" / "siping-2021.yaml"


def sowing(unit: str, rows: list[tuple[str, float]]) -> pd.DataFrame:
    rng = random.Random(unit)
    return pd.DataFrame([{"农户姓名": f"王{'一二三四五六七八'[i]}", "证件号码": make_id(rng, unit, beijing(
        "2021-03-12 00:00").date(), 30, 60), "作物": crop, "播种面积(亩)": area}
                         for i, (crop, area) in enumerate(rows)])


def mails(sink, address):
    return [m for r, m in sink.handler.received if address in r]


def text(m):
    return m.get_body(("plain",)).get_content()


def test_a_second_plan_runs_end_to_end_without_a_change_of_code(prefect_server, home, sink,
                                                               monkeypatch):
    monkeypatch.setenv("SPRINT_PLAN", str(PLAN))
    plan = load_plan(PLAN)
    assert plan.flows == {"sowing": "春播进度周报", "dates": "时限事项"}
    inbox = home / "inbox"
    drop(inbox, "220302", "铁西区春播.xlsx", sowing("220302", [("玉米", 60), ("水稻", 55)]),
         "2021-03-11 10:00")
    drop(inbox, "220303", "铁东区春播.csv", sowing("220303", [("大豆", 40)]), "2021-03-12 15:00")

    state = duties(flow="sowing", as_of=beijing("2021-03-12 17:00"), return_state=True)
    assert state.is_completed(), state.message
    [accepted] = mails(sink, "tiexi@example.org")
    assert accepted["Subject"] == ("【春耕六十天】已接收：铁西区《春播进度台账》2行，"
                                   "计入报送期2021-03-06至2021-03-12（按时）")
    [summary] = mails(sink, "nongye@example.org")
    assert summary["Subject"].startswith("【春耕六十天】春播进度台账汇总（2021-03-06至2021-03-12）：已报2/2")
    body = text(summary)
    assert "- 铁西区：已播种面积 115 亩；达标" in body
    assert "- 铁东区：已播种面积 40 亩；低于100，差60亩" in body
    assert "按“作物”（行数）：" in body and "- 铁西区：玉米 1，水稻 1，大豆 0，合计 2" in body
    html = summary.get_body(("html",)).get_content()
    assert "四平市春耕生产“六十天”" in html and "百日冲刺" not in html + body

    # The deadline: a reminder on the due day, then (a working day after both were told) a
    # 通报 draft that goes to the plan's own leading group once approved.
    drop(inbox, "220302", "准备报告.xlsx",
         pd.DataFrame([{"准备事项": "种子化肥储备到位", "是否完成": "是"}]), "2021-03-09 09:00")
    duties(flow="dates", as_of=beijing("2021-03-10 09:00"))
    [reminder] = [m for m in mails(sink, "tiedong@example.org") if "种子化肥储备到位" in m["Subject"]]
    assert reminder["Subject"] == ("【春耕六十天】今日17:00截止：种子化肥储备到位"
                                   "（截止 2021年3月10日 17:00）")
    run = Run(flow="dates", as_of=beijing("2021-03-11 09:00"))
    run.answer(decision="批准发送")
    assert run.wait().is_completed()
    [notice] = mails(sink, "zhihuibu@example.org")
    assert notice["Subject"].startswith("【春耕六十天】通报：1个单位未按期完成“种子化肥储备到位”")
    body = text(notice)
    assert "根据方案五“进度滞后的，通报市指挥部”的要求" in body
    assert "- 铁东区：未报送" in body and "已完成：铁西区" in body
