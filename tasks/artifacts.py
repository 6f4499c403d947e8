"""What a run shows in the Prefect UI: a markdown summary and a table of every unit's state."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from sprint.calendar import BEIJING
from sprint.mail.outbox import Delivery
from sprint.plan import Plan
from tasks.context import settings
from tasks.measure import Measured


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def markdown(plan: Plan, duty_id: str, measured: Measured, delivery: Delivery, new_files: int,
             now: dt.datetime, dry_run: bool) -> str:
    duty = plan.duty(duty_id)
    r = measured.rates
    lines = [
        f"# {duty.title}",
        f"方案第{duty.clause_text}条 · 运行时点 {now.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）"
        + (" · **演练（未发送）**" if dry_run else ""),
        "",
        f"- 新收文件：{new_files}",
        f"- 截至目前：应报 {r.expected}，已报 {r.received}（完整率 {_pct(r.completeness)}），"
        f"按时 {r.on_time}（及时率 {_pct(r.timeliness)}）",
        f"- 邮件：发出 {len(delivery.sent)}，待重发 {len(delivery.deferred)}，失败 {len(delivery.failed)}",
    ]
    for problem in delivery.problems:
        lines.append(f"  - ⚠ {problem}")
    s = measured.summary
    if s is not None:
        lines += ["", f"## 报送期 {s.period.label()}", "",
                  "| 单位 | 状态 | 务工人数 | 外出务工 | 去年 | 比去年 |", "|---|---|---:|---:|---:|---:|"]
        lines += [f"| {x['name']} | {x['state']} | {x['workers']} | {x['away']} | {x['last_year']} "
                  f"| {x['verdict']} |" for x in s.rows]
        if s.missing:
            lines += ["", f"未报送或被退回：{'、'.join(s.missing)}"]
    return "\n".join(lines)


def state_table(plan: Plan, measured: Measured) -> list[dict]:
    return [
        {"报送期": x.period.id, "单位": plan.unit(x.unit).name, "代码": x.unit, "状态": str(x.state),
         "截止": f"{x.period.due.astimezone(BEIJING):%Y-%m-%d %H:%M}",
         "报送时间": f"{x.submitted_at.astimezone(BEIJING):%Y-%m-%d %H:%M}" if x.submitted_at else ""}
        for x in measured.everything
    ]


@task(name="publish")
def publish(duty_id: str, measured: Measured, delivery: Delivery, new_files: int,
            now: dt.datetime, dry_run: bool) -> str:
    plan = settings().plan
    text = markdown(plan, duty_id, measured, delivery, new_files, now, dry_run)
    create_markdown_artifact(text, key=f"{duty_id}-summary", description="本次运行摘要")
    create_table_artifact(state_table(plan, measured), key=f"{duty_id}-states",
                          description="每个报送期、每个单位的状态")
    return text
