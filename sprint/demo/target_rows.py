"""Plausible rows for the target ledgers (credit, counters, 832, solar, repairs), from a seed."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd

from sprint.demo.ledgers import DIVISION, GIVEN, SURNAMES, TOWNS, make_id


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2])))


def credit_rows(unit: str, households: int, loan_rate: float, seed: int, on: dt.date,
                overdue: int = 0) -> pd.DataFrame:
    """Eligible households (good credit, able to work, aged 18-65), `loan_rate` of them with a loan."""
    rng = random.Random(f"credit-{seed}-{unit}")
    borrowers = round(households * loan_rate)
    rows = []
    for i in range(households):
        got = i < borrowers
        rows.append({
            "乡镇": rng.choice(TOWNS[unit]), "村": rng.choice(SURNAMES) + "家村", "户主姓名": _name(rng),
            "户主身份证号": make_id(rng, DIVISION.get(unit, unit), on, 25, 60),
            "户类别": rng.choice(["贫困户", "边缘户"]), "评级授信": "是", "信用良好": "是",
            "有劳动能力": "是", "贷款意愿": "有" if got else rng.choice(["有", "无"]),
            "是否获贷": "是" if got else "否",
            "贷款金额(元)": rng.choice([30000, 40000, 50000]) if got else None,
            "是否逾期": ("是" if i < overdue else "否") if got else None,
        })
    return pd.DataFrame(rows)


def counter_rows(unit: str, counters: int, zones: int, seed: int, on: dt.date) -> pd.DataFrame:
    rng = random.Random(f"counters-{seed}-{unit}")
    rows = [{"类型": "专柜", "名称": f"{rng.choice(TOWNS[unit])}消费扶贫专柜", "地址": "政务大厅",
             "数量(台)": counters, "投放日期": on - dt.timedelta(days=20), "运营状态": "运营中"}]
    rows += [{"类型": "专区", "名称": f"超市扶贫专区{i + 1}", "地址": "城区", "数量(台)": 1,
              "投放日期": on - dt.timedelta(days=10), "运营状态": "运营中"} for i in range(zones)]
    return pd.DataFrame(rows)


def procurement_rows(unit: str, reserved: float, bought: float) -> pd.DataFrame:
    return pd.DataFrame([{"预算单位": f"{unit}财政局", "预留份额(元)": reserved, "已采购金额(元)": bought}])


def solar_rows(unit: str, income: float, wages_share: float) -> pd.DataFrame:
    return pd.DataFrame([{"村": "光伏村", "光伏收益(元)": income,
                          "公益岗位工资(元)": income * wages_share * 0.75,
                          "村级公益事业劳务支出(元)": income * wages_share * 0.25,
                          "其他支出(元)": income * (1 - wages_share)}])


def roster_rows(unit: str, households: int, seed: int, on: dt.date) -> pd.DataFrame:
    """Monitored households of a county: unstable (脱贫不稳户) and edge (边缘户)."""
    rng = random.Random(f"roster-{seed}-{unit}")
    towns = TOWNS[unit]
    villages = {t: [rng.choice(SURNAMES) + "家村" for _ in range(3)] for t in towns}
    rows = []
    for i in range(households):
        town = towns[i % len(towns)]
        rows.append({"乡镇": town, "村": villages[town][i % 3], "户主姓名": _name(rng),
                     "户主身份证号": make_id(rng, DIVISION.get(unit, unit), on, 30, 80),
                     "监测类别": "脱贫不稳户" if i % 3 else "边缘户", "家庭人口": rng.randint(1, 5),
                     "纳入监测日期": on - dt.timedelta(days=rng.randint(30, 300)),
                     "帮扶责任人": _name(rng)})
    return pd.DataFrame(rows)


def visit_rows(roster: pd.DataFrame, visited: int, needing_help: int, day: dt.date,
               seed: int) -> pd.DataFrame:
    """Visits to the first `visited` households of a roster, `needing_help` of them with a 否."""
    rng = random.Random(f"visits-{seed}-{len(roster)}")
    rows = []
    for i, h in enumerate(roster.head(visited).itertuples(index=False)):
        bad = i < needing_help
        rows.append({"乡镇": h.乡镇, "村": h.村, "户主姓名": h.户主姓名, "户主身份证号": h.户主身份证号,
                     "监测类别": h.监测类别, "家庭人口": h.家庭人口, "走访日期": day,
                     "走访人": _name(rng), "走访人身份": rng.choice(["第一书记", "驻村工作队员", "村两委成员"]),
                     "年人均纯收入(元)": rng.randint(4500, 12000),
                     "吃穿不愁": "是", "义务教育保障": "是", "基本医疗保障": "是",
                     "住房安全保障": "否" if bad else "是", "饮水安全": "是",
                     "发现问题": "房屋漏雨" if bad else "", "帮扶措施": "协调危房改造" if bad else ""})
    return pd.DataFrame(rows)
