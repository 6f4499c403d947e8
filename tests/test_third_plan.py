"""A third campaign, of another shape, is a third plan file (tests/plans/qianan-2022.yaml): a
county's spring-ploughing and drought campaign, four towns with nine-digit codes, a county
bureau as operator, its own command as the group that gets 通报; a weekly quantity ledger summed
over the sowing season, a share target per town, a binding deadline, an event. It runs end to
end with the same code, and none of its mails says a word of the other two plans."""

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
PLAN = Path(__file__).parent / "plans" / "qianan-2022.yaml"
OTHERS = ("白城", "市扶贫办", "百日冲刺", "脱贫攻坚", "领导小组", "周调度", "全市", "四平", "春耕六十天",
          "市农业局", "市春耕指挥部", "铁西区", "铁东区")
TOWN = {"乾安镇": "220723100", "大布苏镇": "220723101", "水字镇": "220723102", "所字镇": "220723103"}


def sowing(town: str, week: int, rows: list[tuple[str, float, str]], division: str = "220723"
           ) -> pd.DataFrame:
    rng = random.Random(f"{town}-{week}")
    return pd.DataFrame([{"村": "前进村", "户主姓名": f"李{'一二三四五六'[i]}{week}",
                          "身份证号": make_id(rng, division if i == 0 else "220723",
                                          beijing("2022-04-08 00:00").date(), 30, 60),
                          "作物": crop, "播种面积(亩)": area, "抗旱措施": means}
                         for i, (crop, area, means) in enumerate(rows)])


def mails(sink, address):
    return [m for r, m in sink.handler.received if address in r]


def text(m):
    return m.get_body(("plain",)).get_content()


def everything(m) -> str:
    return m["Subject"] + text(m) + m.get_body(("html",)).get_content()


def test_a_third_plan_of_towns_runs_end_to_end_in_its_own_words(prefect_server, home, sink,
                                                                monkeypatch):
    """Clause 三: "各乡镇4月底前完成播种面积不少于1000亩", held over the season's three weeks
    (04-15, 04-22, 04-29), and "抗旱措施到户率不低于80%" each week. Worked by hand:
    乾安镇 500 + 300 + 250 = 1,050 亩 (met); 大布苏镇 500 + 0 + 200 = 700 (short by 300);
    水字镇 600 + 500 = 1,100 (met); 所字镇 sent nothing. Week one: 大布苏镇 has 1 of 2
    households protected, 50.0 %, 30.0 points short of 80 %."""
    monkeypatch.setenv("SPRINT_PLAN", str(PLAN))
    plan = load_plan(PLAN)
    assert [u.kind for u in plan.units][:4] == ["town"] * 4
    inbox = home / "inbox"
    drop(inbox, TOWN["乾安镇"], "乾安镇第一周.xlsx",
         sowing("乾安镇", 1, [("玉米", 300, "坐水种"), ("大豆", 200, "滴灌")]), "2022-04-14 10:00")
    drop(inbox, TOWN["大布苏镇"], "大布苏.csv",
         sowing("大布苏镇", 1, [("玉米", 400, "未采取"), ("杂粮杂豆", 100, "喷灌")]), "2022-04-15 11:00")
    # One head of household registered in another province (230102): a note, not a refusal.
    drop(inbox, TOWN["水字镇"], "水字镇.xlsx",
         sowing("水字镇", 1, [("玉米", 600, "坐水种")], division="230102"), "2022-04-15 15:00")

    state = duties(flow="sowing", as_of=beijing("2022-04-15 17:00"), return_state=True)
    assert state.is_completed(), state.message
    [accepted] = mails(sink, "qianan@example.org")
    assert accepted["Subject"] == ("【春耕抗旱】已接收：乾安镇《抗旱播种进度台账》2行，"
                                   "计入报送期2022-04-09至2022-04-15（按时）")
    # A town's nine-digit code: its people's IDs begin with the county's 220723, issued here.
    assert "不是本县签发" not in text(accepted)
    [shuizi] = mails(sink, "shuizi@example.org")
    assert text(shuizi).count("不是本县签发") == 1 and "230102" in text(shuizi)
    [summary] = mails(sink, "xnyj@example.org")
    assert summary["Subject"].startswith("【春耕抗旱】抗旱播种进度台账汇总（2022-04-09至2022-04-15）：已报3/4")
    body = text(summary)
    assert "全季累计，截至本期（第1期，共3期）" in body
    assert "- 乾安镇：累计播种面积 500 亩；全季目标1,000亩，尚差500亩（季末判定）" in body
    assert "- 大布苏镇：采取抗旱措施 1 户 ÷ 播种农户 2 户 = 50.0%；低于80%，差30.0个百分点" in body
    assert "按“作物”（播种面积(亩)合计）：" in body
    assert "- 乾安镇：玉米 300，大豆 200，杂粮杂豆 0，合计 500" in body
    assert "按“抗旱措施”（行数）：" in body and "- 大布苏镇：坐水种 0，滴灌 0，喷灌 1，未采取 1，合计 2" in body
    html = summary.get_body(("html",)).get_content()
    assert "乾安县春耕生产抗旱保苗" in html and "县农业农村局春耕抗旱调度系统" in html

    # The deadline (binding, "4月20日前"): reminded on the day, then a 通报 draft, approved, to
    # the campaign's own command; the event is announced three working days before.
    for town, done in (("乾安镇", "是"), ("大布苏镇", "否"), ("水字镇", "是")):
        drop(inbox, TOWN[town], "检修报告.xlsx", pd.DataFrame(
            [{"事项": "抗旱水源工程检修完成", "是否完成": done, "说明": ""}]), "2022-04-19 09:00")
    duties(flow="dates", as_of=beijing("2022-04-20 09:00"))
    [reminder] = [m for m in mails(sink, "suozi@example.org") if "检修" in m["Subject"]]
    assert reminder["Subject"] == "【春耕抗旱】今日17:00截止：抗旱水源工程检修完成（截止 2022年4月20日 17:00）"
    assert "逾期未完成的，县农业农村局将拟稿通报县春耕抗旱指挥部。" in text(reminder)
    run = Run(flow="dates", as_of=beijing("2022-04-21 09:00"))
    run.answer(decision="批准发送")
    assert run.wait().is_completed()
    [request] = [m for m in mails(sink, "xnyj@example.org") if "待审批" in m["Subject"]]
    assert "草稿自动作废。" in text(request)  # this plan has no dispatch report to name them in
    [notice] = mails(sink, "kanghan@example.org")
    assert notice["Subject"].startswith("【春耕抗旱】通报：2个单位未按期完成“抗旱水源工程检修完成”（截止4月20日）")
    body = text(notice)
    assert "根据方案六“对进度滞后、工作不力的乡镇，由县指挥部予以通报”的要求" in body
    assert "- 大布苏镇：报告为“否”" in body and "- 所字镇：未报送" in body
    assert "已完成：乾安镇、水字镇" in body
    [event] = [m for m in mails(sink, "dabusu@example.org") if "现场会" in m["Subject"]]
    assert event["Subject"] == "【春耕抗旱】全县抗旱播种现场会（4月25日）准备提醒"

    # Weeks two and three; the season's last summary judges the sum.
    drop(inbox, TOWN["乾安镇"], "第二周.xlsx", sowing("乾安镇", 2, [("玉米", 300, "坐水种")]),
         "2022-04-22 10:00")
    drop(inbox, TOWN["水字镇"], "第二周.xlsx", sowing("水字镇", 2, [("玉米", 500, "坐水种")]),
         "2022-04-22 10:00")
    drop(inbox, TOWN["乾安镇"], "第三周.xlsx", sowing("乾安镇", 3, [("大豆", 250, "滴灌")]),
         "2022-04-29 10:00")
    drop(inbox, TOWN["大布苏镇"], "第三周.xlsx", sowing("大布苏镇", 3, [("玉米", 200, "坐水种")]),
         "2022-04-29 10:00")
    assert duties(flow="sowing", as_of=beijing("2022-04-29 17:00"), return_state=True).is_completed()
    [last] = [m for m in mails(sink, "xnyj@example.org") if "2022-04-23至2022-04-29" in m["Subject"]]
    body = text(last)
    assert "全季累计（共3期）" in body
    assert "- 乾安镇：累计播种面积 1,050 亩；达标" in body
    assert "- 大布苏镇：累计播种面积 700 亩；低于1,000，差300亩" in body
    assert "- 水字镇：累计播种面积 1,100 亩；达标" in body
    assert "- 所字镇：未报送" in body

    for _, m in sink.handler.received:
        found = [w for w in OTHERS if w in everything(m)]
        assert not found, f"{m['Subject']}: {found}"
