"""What a run shows in the Prefect UI: a markdown summary and a table of every unit's state."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from sprint.calendar import BEIJING
from sprint.mail.outbox import Delivery
from sprint.plan import Plan
from sprint.reports import LaborSummary
from sprint.status import Rates
from tasks.context import settings
from tasks.measure import Measured


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def markdown(title: str, clauses: str, rates: list[tuple[str, Rates]], delivery: Delivery,
             new_files: int, now: dt.datetime, dry_run: bool, sections: list[str]) -> str:
    lines = [
        f"# {title}",
        f"方案第{clauses}条 · 运行时点 {now.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）"
        + (" · **演练（未发送）**" if dry_run else ""),
        "",
        f"- 新收文件：{new_files}",
    ]
    for name, r in rates:
        lines.append(f"- {name}截至目前：应报 {r.expected}，已报 {r.received}（完整率 "
                     f"{_pct(r.completeness)}），按时 {r.on_time}（及时率 {_pct(r.timeliness)}）")
    lines.append(f"- 邮件：发出 {len(delivery.sent)}，待重发 {len(delivery.deferred)}，"
                 f"失败 {len(delivery.failed)}，存疑 {len(delivery.in_doubt)}")
    lines += [f"  - ⚠ {problem}" for problem in delivery.problems]
    for section in sections:
        lines += ["", section]
    return "\n".join(lines)


def labor_section(s: LaborSummary | None) -> list[str]:
    if s is None:
        return []
    lines = [f"## 报送期 {s.period.label()}", "",
             "| 单位 | 状态 | 务工人数 | 外出务工 | 去年 | 比去年 |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {x['name']} | {x['state']} | {x['workers']} | {x['away']} | {x['last_year']} "
              f"| {x['verdict']} |" for x in s.rows]
    if s.missing:
        lines += ["", f"未报送或被退回：{'、'.join(s.missing)}"]
    return ["\n".join(lines)]


def state_table(plan: Plan, measured: list[Measured]) -> list[dict]:
    return [
        {"事项": plan.duty(x.period.duty).title, "报送期": x.period.id,
         "单位": plan.unit(x.unit).name, "代码": x.unit, "状态": str(x.state),
         "截止": f"{x.period.due.astimezone(BEIJING):%Y-%m-%d %H:%M}",
         "报送时间": f"{x.submitted_at.astimezone(BEIJING):%Y-%m-%d %H:%M}" if x.submitted_at else ""}
        for m in measured for x in m.everything
    ]


@task(name="publish")
def publish(key: str, title: str, clauses: str, measured: list[Measured], delivery: Delivery,
            new_files: int, now: dt.datetime, dry_run: bool, sections: list[str]) -> str:
    plan = settings().plan
    rates = [(plan.duty(m.periods[0].duty).title if len(measured) > 1 else "", m.rates)
             for m in measured if m.periods]
    text = markdown(title, clauses, rates, delivery, new_files, now, dry_run, sections)
    create_markdown_artifact(text, key=f"{key}-summary", description="本次运行摘要")
    create_table_artifact(state_table(plan, measured), key=f"{key}-states",
                          description="每个报送期、每个单位的状态")
    return text
