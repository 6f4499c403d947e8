"""Last year's figures come from the office, with their source: the plan file, or a baseline
ledger the department sends (issue 22 item 5)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from flows.duties import duties
from sprint.demo.ledgers import labor_rows
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration


def away(unit, outside, at_home, on=dt.date(2020, 10, 8)):
    """A labor ledger with `outside` poor workers 省外 and `at_home` 县内."""
    frame = labor_rows(unit, outside + at_home, 11, on)
    frame["人员类别"] = "已脱贫户"
    frame["务工区域"] = ["省外"] * outside + ["县内"] * at_home
    frame["就业形式"] = ["外出务工"] * outside + ["就地就近务工"] * at_home
    return frame


def test_last_years_figures_from_the_departments_baseline_ledger_are_judged(
        prefect_server, home, sink):
    """Clause 6①: "紧盯外出务工贫困劳动力总数不低于去年的工作要求……分别报送市人社局和市扶贫办".
    去年 is 市人社局's figure: it sends the baseline ledger (洮北区 4, 镇赉县 2), and the summary
    holds each county against it. By hand: 洮北区 3 人 外出 (and 1 县内, not counted) against
    去年 4: short by 1; 镇赉县 2 against 2: 不低于, met; 通榆县, not in the ledger: 去年数据未提供."""
    inbox = home / "inbox"
    drop(inbox, "srsj", "去年基数.xlsx", pd.DataFrame(
        {"县(市、区)": ["洮北区", "镇赉县"], "去年外出务工贫困劳动力(人)": [4, 2]}),
        "2020-10-08 09:00")
    drop(inbox, "220802", "劳动力.xlsx", away("220802", 3, 1), "2020-10-08 10:00")
    drop(inbox, "220821", "劳动力.xlsx", away("220821", 2, 0), "2020-10-08 10:00")
    drop(inbox, "220822", "劳动力.xlsx", away("220822", 5, 0), "2020-10-08 10:00")
    state = duties(flow="labor-ledger", as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_completed(), state.message
    [summary] = [m for r, m in sink.handler.received if "renshe@example.org" in r
                 and m["Subject"].startswith("【百日冲刺】贫困劳动力转移就业台账汇总")]
    text = summary.get_body(("plain",)).get_content()
    assert "- 洮北区：外出务工贫困劳动力 3 人，去年 4 人（市人社局报送）；低于4，差1人" in text
    assert "- 镇赉县：外出务工贫困劳动力 2 人，去年 2 人（市人社局报送）；达标" in text
    assert "- 通榆县：外出务工贫困劳动力 5 人；去年数据未提供，暂不判定" in text
