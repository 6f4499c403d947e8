"""The `sprint` command. Exit 0 on success, 1 on wrong input or a failed check, 2 on misuse."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import urllib.request
from pathlib import Path

from sprint import clock, intake
from sprint.calendar import BEIJING, CalendarError, periods
from sprint.deployments import load_deployments
from sprint.idcard import mask
from sprint.one_verdict import validate_fenced
from sprint.plan import PlanError
from sprint.settings import SettingsError, load_settings
from sprint.store import Store, StoreError


class Usage(Exception):
    pass


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _moment(text: str) -> dt.datetime:
    """A date means the end of that day in Beijing; a date and time is taken as Beijing time."""
    try:
        return clock.moment(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r}") from None


def cmd_validate(args) -> int:
    """The same judgement as a run's intake: the problems a rejection reply would list, the
    period the file would count for."""
    s = load_settings()
    path: Path = args.file
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    unit = args.unit or (path.parent.name if path.parent.name in {u.code for u in s.plan.units} else None)
    if unit is not None:
        s.plan.unit(unit)
    when = clock.moment(args.as_of) if args.as_of else dt.datetime.now(BEIJING)
    arrival = intake.Arrival(unit or "", path, intake.sha256_of(path), when)
    j = intake.judge(arrival, path, s.plan) if unit else None
    verdict = j.verdict if j else validate_fenced(path, s.plan, None, when.date())
    ids = {c.name for t in s.plan.templates.values() for c in t.columns if c.type == "id_number"}
    name = f"《{verdict.template.name}》（工作表 {verdict.sheet}）" if verdict.template else "无法识别"
    print(f"文件：{path}\n台账：{name}\n数据行：{len(verdict.ledger)}")
    if j and j.duty and j.period:
        print(f"计入：{j.duty.title}，报送期 {j.period}（按 {when:%Y-%m-%d %H:%M} 收到计算）")
    for p in verdict.problems:
        value = mask(p.value) if p.column in ids else p.value
        print(f"  第{p.row or '-'}行 | {p.column or '-'} | {value} | {p.reason}")
    for p in verdict.notes[:20]:
        print(f"  提示：第{p.row or '-'}行 | {p.column or '-'} | {p.reason}")
    if len(verdict.notes) > 20:
        print(f"  提示：另有 {len(verdict.notes) - 20} 条")
    accepted = j.accepted if j else verdict.accepted
    print("结果：通过" if accepted else f"结果：未通过，共 {len(verdict.problems)} 处问题")
    return 0 if accepted else 1


def cmd_calendar(args) -> int:
    plan = load_settings().plan
    start = args.from_ or plan.sprint.start
    end = args.to or plan.sprint.end
    rows = []
    for duty in plan.duties:
        owners = [u.code for u in plan.owners(duty)]
        for p in periods(plan, duty):
            if p.end < start or p.start > end:
                continue
            rows.append({
                "duty": duty.id, "period": p.id, "start": p.start.isoformat(),
                "end": p.end.isoformat(), "due": p.due.isoformat(),
                "reminders": [{"offset": r.offset, "at": r.at.isoformat()} for r in p.reminders],
                "units": owners,
            })
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        reminders = ", ".join(f"{x['offset']:+d} {x['at'][5:16].replace('T', ' ')}" for x in r["reminders"])
        print(f"{r['duty']}  {r['start']}..{r['end']}  截止 {r['due'][:16].replace('T', ' ')}"
              f"  提醒 {reminders}  单位 {len(r['units'])}")
    return 0


def cmd_status(args) -> int:
    from sprint.engine.owed import standing_rows
    from tasks.mail import book_of
    from tasks.services import connect

    services = connect()
    now = args.as_of or dt.datetime.now(BEIJING)
    rows = standing_rows(services.plan, book_of(services), now)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"nothing is due yet at {now:%Y-%m-%d %H:%M}")
    for r in rows:
        task, period, unit, _, state, progress = list(r.values())[:6]
        print(f"{task}  {period}  {unit:<12}\t{state}" + (f"（{progress}）" if progress else ""))
    return 0


def cmd_plan(args) -> int:
    plan = load_settings().plan
    deployments = load_deployments()
    rows = []
    for duty in plan.duties:
        mine = [d for d in deployments if d.flow == duty.flow]
        for clause in duty.clauses:
            rows.append({"clause": clause, "duty": duty.id, "kind": duty.kind, "title": duty.title,
                         "says": duty.says, "flow": duty.flow,
                         "deployments": [d.name for d in mine],
                         "schedule": "; ".join(d.describe() for d in mine) or "not deployed yet",
                         "due": duty.due.isoformat() if duty.due else None,
                         "source": _source(duty)})
    rows.sort(key=lambda r: _clause_order(r["clause"]))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"第{r['clause']}条  {r['duty']}（{r['title']}）\n    flow {r['flow']}  {r['schedule']}")
        if r["source"]:
            source = r["source"]
            words = f"方案：“{source['says']}”" if source["by"] == "plan" else f"市扶贫办：{source['reason']}"
            print(f"    日期依据：{words}" + ("" if source["binding"] else "（提醒日，不作通报依据）"))
    return 0


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


def _local_prefect() -> None:
    """Send the run to the main job's Prefect server when one answers, so it shows in the UI."""
    if "PREFECT_API_URL" in os.environ:
        return
    url = f"http://127.0.0.1:{os.environ.get('SPRINT_PREFECT_PORT', '4200')}/api"
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1):
            os.environ["PREFECT_API_URL"] = url
    except OSError:
        pass  # Prefect then runs the flow on a temporary local server of its own


def resolve(plan, name: str) -> str:
    """The plan's group a deployment name, a group name or a duty id stands for."""
    if name in plan.flows:
        return name
    deployments = {d.name: d.flow for d in load_deployments()}
    if name in deployments:
        return deployments[name]
    if name in {d.id for d in plan.duties}:
        return plan.duty(name).flow
    raise Usage(f"no deployment, flow or duty is named {name!r}.\n"
                f"  deployments: {', '.join(deployments)}\n"
                f"  flows: {', '.join(plan.flows)}\n"
                f"  duties: {', '.join(d.id for d in plan.duties)}")


def cmd_run(args) -> int:
    plan = load_settings().plan
    group = resolve(plan, args.duty)
    _local_prefect()
    from flows.duties import duties

    state = duties(flow=group, as_of=args.as_of, dry_run=args.dry_run, return_state=True)
    print(f"{group}: {state.name} — {state.message or ''}")
    return 0 if state.is_completed() else 1


def cmd_census(args) -> int:
    load_settings()  # a bad plan or setting stops here, with its message
    _local_prefect()
    if args.inbox is not None and not args.inbox.is_dir():
        print(f"sprint: {args.inbox} is not a folder of unit folders", file=sys.stderr)
        return 1
    try:
        from flows.labor_census import labor_census
    except RuntimeError as e:  # SPRINT_DASK_ADDRESS set without the dask extra
        print(f"sprint: {e}", file=sys.stderr)
        return 1
    state = labor_census(inbox=str(args.inbox) if args.inbox else None, as_of=args.as_of,
                         dry_run=args.dry_run, return_state=True)
    print(f"labor-census: {state.name} — {state.message or ''}")
    return 0 if state.is_completed() else 1


def cmd_outbox(args) -> int:
    store = Store(load_settings().db_url)
    if args.resend:
        changed = store.resend(args.resend)
        for message_id in args.resend:
            print(f"#{message_id}: " + ("queued again; the next run sends it" if message_id in changed
                                        else "not failed or in doubt: left as it is"))
        return 0 if len(changed) == len(args.resend) else 1
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()
             if k != "message"} for r in store.outbox_rows(args.status)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"#{r['id']:<5} {r['status']:<8} {r['kind']:<16} {r['duty']} {r['period']} "
              f"→ {r['recipients']}  {r['last_error'] or ''}")
    return 0


def cmd_replay(args) -> int:
    from tools.replay import main as replay_main

    base = load_settings()  # a bad setting stops here, with its message
    home = args.home or base.home / "replay"
    return replay_main(args.from_, args.to, args.seed, home.resolve(), args.json, base)


def cmd_up(args) -> int:
    from sprint.up import main_job

    return main_job(seed_demo=not args.no_demo)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sprint", description="Hundred-Day Sprint dispatch system")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check one submission without taking it in")
    v.add_argument("file", type=Path)
    v.add_argument("--unit", help="the submitting unit's code (default: the file's folder)")
    v.add_argument("--as-of", help="when the file is taken as received (a date means its end; "
                   "default now)")
    v.set_defaults(func=cmd_validate)
    r = sub.add_parser("run", help="run a deployment, a flow or a duty's flow through Prefect")
    r.add_argument("duty", metavar="NAME", help="a deployment, a flow (group) or a duty id")
    r.add_argument("--as-of", type=_moment, help="act as on this date (its end) or time")
    r.add_argument("--dry-run", action="store_true", help="render every email, send none")
    r.set_defaults(func=cmd_run)
    ce = sub.add_parser("census", help="check every unit's labor ledger at province or nation "
                        "scale (batches on every core, or on Dask with SPRINT_DASK_ADDRESS)")
    ce.add_argument("--inbox", type=Path, help="folder of unit folders (default: the inbox)")
    ce.add_argument("--as-of", type=_moment, help="act as on this date (its end) or time")
    ce.add_argument("--dry-run", action="store_true", help="render every email, send none")
    ce.set_defaults(func=cmd_census)
    c = sub.add_parser("calendar", help="every period, due date and reminder time")
    c.add_argument("--from", dest="from_", type=_date)
    c.add_argument("--to", type=_date)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_calendar)
    s = sub.add_parser("status", help="who owes what, and each unit's state")
    s.add_argument("--as-of", type=_moment)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    pl = sub.add_parser("plan", help="every clause with the duty, flow and schedule covering it")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=cmd_plan)
    o = sub.add_parser("outbox", help="the mail recorded, its state, and re-sending")
    o.add_argument("--status", choices=["pending", "sending", "sent", "failed", "doubt"])
    o.add_argument("--resend", type=int, nargs="+", metavar="ID",
                   help="queue failed or doubtful messages again")
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=cmd_outbox)
    rp = sub.add_parser("replay", help="live the sprint in minutes on generated files")
    rp.add_argument("--from", dest="from_", type=_date, default=dt.date(2020, 9, 22))
    rp.add_argument("--to", type=_date, default=dt.date(2020, 12, 31))
    rp.add_argument("--seed", type=int, default=2020)
    rp.add_argument("--home", type=Path, help="state folder of the replay (default $SPRINT_HOME/replay)")
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(func=cmd_replay)
    u = sub.add_parser("up", help="the main job: Prefect server, worker, deployments, mail sink")
    u.add_argument("--no-demo", action="store_true", help="do not seed the demo inbox")
    u.set_defaults(func=cmd_up)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except Usage as e:
        print(f"sprint: {e}", file=sys.stderr)
        return 2
    except (PlanError, SettingsError, StoreError, CalendarError) as e:
        print(f"sprint: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sprint plan | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
