"""Plausible rows for the target ledgers (credit, counters, 832, solar, repairs), from a seed."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd

from sprint.demo import DIVISION, GIVEN, SURNAMES, TOWNS, make_id


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
