"""The run's account for the operator: what came in, where every unit stands, what was sent,
what waits, and the figures behind every summary. ID numbers never appear here."""

from __future__ import annotations

import datetime as dt

from sprint.domain.calendar import BEIJING
from sprint.domain.engine import Owed
from sprint.domain.engine.states import row
from sprint.domain.engine.summary import SUMMARY, section
from sprint.domain.plan import Plan
from sprint.mailout.outbox import Delivery
from sprint.services.intake import Judgement, clock_note


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def markdown(plan: Plan, flow: str, owed_now: Owed, delivery: Delivery, new_files: int,
             now: dt.datetime, dry_run: bool) -> str:
    duties = plan.in_flow(flow)
    clauses = "、".join(dict.fromkeys(c for d in duties for c in d.clauses))
    lines = [
        f"# {plan.flows.get(flow, flow)}",
        (f"方案第{clauses}条 · " if clauses else "") + f"运行时点 {now.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）"
        + (" · **试运行（只生成邮件，不发送）**" if dry_run else ""),
        "",
        f"- 新收文件：{new_files}",
    ]
    for title, r in owed_now.rates:
        lines.append(f"- {title}截至目前：应报 {r.expected}，已报 {r.received}（完整率 "
                     f"{_pct(r.completeness)}），按时 {r.on_time}（及时率 {_pct(r.timeliness)}）")
    lines.append(f"- 邮件：本次应发 {len(owed_now.drafts)}；发出 {len(delivery.sent)}，待重发 "
                 f"{len(delivery.deferred)}，失败 {len(delivery.failed)}，存疑 {len(delivery.in_doubt)}")
    lines += [f"  - ⚠ {problem}" for problem in delivery.problems]
    if owed_now.notices:
        lines += ["", "## 通报草稿（须经审批）", ""] + [f"- {d.heading}" for d in owed_now.notices]
    if owed_now.drafts:
        lines += ["", "## 本次邮件", ""] + [f"- {d.heading}" for d in owed_now.drafts if d.heading]
    for d in owed_now.drafts:
        if d.kind == SUMMARY:
            lines += ["", section(d.context)]
    return "\n".join(lines)


def states(owed_now: Owed) -> list[dict]:
    """Every unit's standing in every period so far; never an empty table."""
    if owed_now.rows:
        return owed_now.rows
    return [row("（本次运行时点尚无应报事项）", "", "", "", "")]


def intake_table(judged: list[Judgement]) -> str:
    """Every file taken in by this run and its verdict; a file whose reader failed names how."""
    lines = ["# 本次收文", "", "| 单位 | 文件 | 结果 | 原因 | 故障 |", "|---|---|---|---|---|"]
    for j in judged:
        first = (j.verdict.problems[0].reason if j.verdict.problems
                 else clock_note(j.arrival) if j.arrival.stamped else "")
        lines.append(f"| {j.arrival.unit} | {_cell(j.arrival.path.name)} | "
                     f"{'接收' if j.accepted else '退回'} | {_cell(first)} | "
                     f"{_cell(j.verdict.failure or '')} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
