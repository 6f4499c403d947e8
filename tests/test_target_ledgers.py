"""Ledgers held against the plan's targets: the shortfalls are named per unit and city-wide."""

from __future__ import annotations

import datetime as dt

import pytest
from flows.target_ledgers import target_ledgers

from sprint.demo import target_rows as dl
from tests.factories import beijing, drop

pytestmark = pytest.mark.integration
ON = dt.date(2020, 10, 30)


@pytest.fixture
def inbox(home):
    root = home / "inbox"
    at = "2020-10-30 10:00"
    drop(root, "220802", "小额信贷.xlsx", dl.credit_rows("220802", 100, 0.45, 1, ON, overdue=2), at)
    drop(root, "220821", "小额信贷.csv", dl.credit_rows("220821", 50, 0.30, 1, ON), at)
    drop(root, "220802", "专柜.xlsx", dl.counter_rows("220802", 120, 2, 1, ON), at)
    drop(root, "220821", "专柜.xlsx", dl.counter_rows("220821", 100, 1, 1, ON), at)
    drop(root, "220802", "832.xlsx", dl.procurement_rows("220802", 100000, 120000), at)
    drop(root, "220821", "832.xlsx", dl.procurement_rows("220821", 100000, 60000), at)
    drop(root, "220802", "光伏.xlsx", dl.solar_rows("220802", 200000, 0.85), at)
    drop(root, "220821", "光伏.xlsx", dl.solar_rows("220821", 200000, 0.70), at)
    return root


def summary(sink, name):
    [m] = [m for _, m in sink.handler.received if m["Subject"].startswith(f"【百日冲刺】{name}汇总")]
    return m, m.get_body(("plain",)).get_content()


def test_each_target_names_its_shortfalls_per_unit_and_for_the_city(prefect_server, home, inbox,
                                                                    sink):
    state = target_ledgers(as_of=beijing("2020-11-03 12:00"), return_state=True)
    assert state.is_completed(), state.message

    credit, text = summary(sink, "扶贫小额信贷工作台账")
    assert sorted(a.addr_spec for a in credit["To"].addresses) == [
        "caizheng@example.org", "fupinban@example.org"]
    assert "目标：户贷率达到40%，争取达到50%（第8、9条）" in text
    assert "- 洮北区：45.0%，达标；平均户贷量" in text and "逾期 2 户" in text
    assert "- 镇赉县：30.0%，低于40%，差10%" in text
    assert "- 大安市：未报送" in text
    assert "未报送或被退回：" in text and "大安市" in text

    _, text = summary(sink, "消费扶贫专柜专区专馆台账")
    assert "- 全市：220，低于300，差80" in text
    assert "- 洮北区：2，达标" in text and "- 镇赉县：1，低于2，差1" in text

    _, text = summary(sink, "扶贫832平台采购台账")
    assert "- 洮北区：120.0%，达标" in text and "- 镇赉县：60.0%，低于100%，差40%" in text

    _, text = summary(sink, "光伏扶贫收益使用台账")
    assert "- 洮北区：85.0%，达标" in text and "- 镇赉县：70.0%，低于80%，差10%" in text

    # Units that sent nothing are reminded (due-day reminder, the latest offset passed).
    daan = [m["Subject"] for r, m in sink.handler.received if r == ["daan@example.org"]]
    assert any("扶贫小额信贷工作台账" in s for s in daan)
    count = len(sink.handler.received)
    target_ledgers(as_of=beijing("2020-11-03 12:00"))
    assert len(sink.handler.received) == count
