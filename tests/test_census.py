"""The labor census at scale: generated units' files in, a real Prefect server, real SMTP; and
the same run with its batches fanned out on a Dask cluster."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from flows.labor_census import labor_census
from sprint.demo import mass
from sprint.domain.plan import load_plan
from sprint.reading.ledger import validate_file
from tests.factories import beijing

pytestmark = pytest.mark.integration
ON = dt.date(2020, 10, 9)


@pytest.fixture
def province(home, monkeypatch):
    """Five units of a generated province: three .csv, one .xlsx, one refused, one silent."""
    units = mass.units(6, 1_500, seed=7)
    inbox = home / "inbox"
    for i, unit in enumerate(units[:5]):
        mass.write(unit, 7, ON, inbox / unit.code / f"台账{'.xlsx' if i == 1 else '.csv'}")
    broken = inbox / units[2].code / "台账.csv"
    frame = pd.read_csv(broken, dtype=str, keep_default_na=False)
    frame.loc[9, "身份证号"] = frame.loc[9, "身份证号"][:17] + ("0" if frame.loc[9, "身份证号"][17] != "0" else "1")
    frame.loc[20, "务工开始日期"] = "2020-02-30"
    frame.to_csv(broken, index=False)
    plan = home / "plan.yaml"
    plan.write_text(mass.plan_text(units), encoding="utf-8")
    monkeypatch.setenv("SPRINT_PLAN", str(plan))
    return units, inbox


def test_generated_files_are_valid_ledgers_with_distinct_real_ids(tmp_path):
    [unit] = mass.units(1, 2_000, seed=3)
    path = mass.write(unit, 3, ON, tmp_path / "a.csv")
    verdict = validate_file(path, load_plan(), unit.code, ON)
    assert verdict.accepted, verdict.problems[:3]
    assert len(verdict.ledger) == 2_000 and verdict.ledger["身份证号"].is_unique
    assert verdict.ledger["身份证号"].str.startswith(unit.code).all()


def by_unit(sink, units):
    return {u.code: [m for rcpt, m in sink.handler.received if rcpt == [f"u{u.code}@example.org"]]
            for u in units}


def text_of(message):
    return message.get_body(("plain",)).get_content()


def check_run(sink, units):
    mails = by_unit(sink, units)
    accepted = [u for i, u in enumerate(units[:5]) if i != 2]
    for u in accepted:
        [mail] = mails[u.code]
        assert mail["Subject"] == f"【百日冲刺】{u.name}《贫困劳动力转移就业台账》已接收：{u.rows} 人"
    [refused] = mails[units[2].code]
    assert refused["Subject"].endswith("未通过校验（2 处问题）")
    body = text_of(refused)
    assert "第11行“身份证号”列" in body and "校验码错误" in body
    assert "第22行“务工开始日期”列（值：2020-02-30）：不是有效日期" in body
    assert mails[units[5].code] == []  # silent: named in the summary, not written to
    [summary] = [m for rcpt, m in sink.handler.received if "fupinban@example.org" in rcpt]
    assert summary["Subject"] == ("【百日冲刺】《贫困劳动力转移就业台账》汇总（截至 2020-10-09）："
                                  "4 个单位通过，1 个退回，1 个未报送")
    text = text_of(summary)
    assert f"未报送：{units[5].name}" in text
    assert text.splitlines()[text.splitlines().index("单位 | 状态 | 人数 | 外出务工贫困劳动力 | 问题") + 1] \
        .startswith(f"{units[2].name} | 退回 |")


def test_each_unit_gets_its_verdict_and_the_operator_the_table_once(
        prefect_server, home, province, sink):
    units, inbox = province
    state = labor_census(inbox=str(inbox), as_of=beijing("2020-10-09 18:00"), batches=2,
                         return_state=True)
    assert state.is_completed(), state.message
    check_run(sink, units)
    received = len(sink.handler.received)
    again = labor_census(inbox=str(inbox), as_of=beijing("2020-10-09 18:00"), return_state=True)
    assert again.is_completed() and len(sink.handler.received) == received


def test_batches_fan_out_on_a_dask_cluster_when_one_is_configured(
        prefect_server, home, province, sink, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from tasks.fanout import runner

    units, inbox = province
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        monkeypatch.setenv("SPRINT_DASK_ADDRESS", cluster.scheduler_address)
        fanned = labor_census.with_options(task_runner=runner())
        assert type(fanned.task_runner).__name__ == "DaskTaskRunner"
        state = fanned(inbox=str(inbox), as_of=beijing("2020-10-09 18:00"), batches=2,
                       return_state=True)
    assert state.is_completed(), state.message
    check_run(sink, units)
