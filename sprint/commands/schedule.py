"""`sprint calendar` and `sprint plan`: the plan's periods and which deployments cover it, each
led by which plan file and which drill are live."""

from __future__ import annotations

import datetime as dt
import json
import sys

from sprint.commands.live import plan_line, weekends_note
from sprint.config.deployments import load_deployments, prefect_yaml
from sprint.config.resources import REVIEW
from sprint.config.settings import load_settings
from sprint.domain.calendar import BEIJING, periods
from sprint.domain.plan import BUNDLED_PLAN
from sprint.domain.window import finished


def _say(lines: list[str | None], as_json: bool) -> None:
    """Header lines: on stdout before a table, on stderr when stdout is JSON."""
    for line in filter(None, lines):
        print(line, file=sys.stderr if as_json else sys.stdout)


def cmd_calendar(args) -> int:
    s = load_settings()
    plan = s.plan
    start = args.from_ or plan.sprint.start
    end = args.to or plan.sprint.end
    rows = []
    days = []
    for duty in plan.duties:
        owners = [u.code for u in plan.owners(duty)]
        for p in periods(plan, duty):
            if p.end < start or p.start > end:
                continue
            days += [p.due.date(), *(r.at.date() for r in p.reminders)]
            rows.append({
                "duty": duty.id, "period": p.id, "start": p.start.isoformat(),
                "end": p.end.isoformat(), "due": p.due.isoformat(),
                "reminders": [{"offset": r.offset, "at": r.at.isoformat()} for r in p.reminders],
                "units": owners,
            })
    _say([plan_line(s), weekends_note(min(days), max(days)) if days else None], args.json)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        reminders = ", ".join(f"{x['offset']:+d} {x['at'][5:16].replace('T', ' ')}" for x in r["reminders"])
        print(f"{r['duty']}  {r['start']}..{r['end']}  截止 {r['due'][:16].replace('T', ' ')}"
              f"  提醒 {reminders}  单位 {len(r['units'])}")
    return 0


def cmd_plan(args) -> int:
    s = load_settings()
    plan = s.plan
    if args.prefect_yaml:  # the live plan's deployments as Prefect reads them
        print(prefect_yaml(plan, source=s.plan_file or BUNDLED_PLAN, by="`sprint plan "
                           "--prefect-yaml`"), end="")
        return 0
    deployments = load_deployments(plan)  # the live plan's: SPRINT_PLAN and a drill switch them
    rows = []
    missing = {}  # duty -> the baselines the office has not given yet
    for duty_id, target_id, what, names in plan.missing_baselines():
        missing.setdefault(duty_id, []).append({"target": target_id, "what": what, "units": names})
    for duty in plan.duties:
        mine = [d for d in deployments if d.flow == duty.flow]
        for clause in duty.clauses:
            rows.append({"clause": clause, "duty": duty.id, "kind": duty.kind, "title": duty.title,
                         "says": duty.says, "flow": duty.flow,
                         "deployments": [d.name for d in mine],
                         "schedule": "；".join(d.describe() for d in mine),
                         "schedules": [{"deployment": d.name, **x} for d in mine
                                       for x in d.schedules],
                         "due": duty.due.isoformat() if duty.due else None,
                         "source": _source(duty), "missing_baselines": missing.get(duty.id, [])})
    rows.sort(key=lambda r: _clause_order(r["clause"]))
    _say([plan_line(s), _deployed_line(plan, deployments)], args.json)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"第{r['clause']}条  {r['duty']}（{r['title']}）\n    flow {r['flow']}  {r['schedule']}")
        if r["source"]:
            source = r["source"]
            words = (f"方案：“{source['says']}”" if source["by"] == "plan"
                     else f"{plan.unit(plan.operator).name}：{source['reason']}")
            print(f"    日期依据：{words}" + ("" if source["binding"] else "（提醒日，不作通报依据）"))
        for m in r["missing_baselines"]:
            given = next(t for t in plan.duty(r["duty"]).targets if t.id == m["target"]).baseline
            print(f"    待提供：{m['what']}（{given}）：{'、'.join(m['units'])}；未提供前只列本年数，暂不判定")
    return 0


def _deployed_line(plan, deployments) -> str:
    """Where the schedules come from and whether `sprint up` runs them now."""
    forms = [d.name for d in deployments if d.entrypoint == REVIEW]
    deployments = [d for d in deployments if d.entrypoint != REVIEW]
    timed = sum(1 for d in deployments if d.schedules)
    by_hand = len(deployments) - timed
    line = (f"部署：按计划文件的日程，{len(deployments)}个部署（{timed}个定时运行"
            + (f"，{by_hand}个仅手动运行" if by_hand else "") + "），另有即时收件随台账落入运行"
            + f"，审核表单（{'、'.join(forms)}）仅手动运行")
    paused = finished(plan, dt.datetime.now(BEIJING))
    return line + (f"；{paused}" if paused else "")


def _source(duty) -> dict | None:
    """Where a duty's date comes from: the plan's words, or the office's choice and reason."""
    if duty.source is not None:
        return duty.source.model_dump(exclude_none=True) | {"binding": duty.binds}
    if duty.cadence is not None and duty.cadence.office:
        return {"by": "office", "reason": duty.cadence.office, "binding": duty.binds}
    return None


def _clause_order(clause: str) -> tuple[int, str]:
    digits = "".join(c for c in clause if c in "0123456789")
    return (int(digits) if digits else 99, clause)


