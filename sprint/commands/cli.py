"""The `sprint` command. Exit 0 on success, 1 on wrong input or a failed check, 2 on misuse."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from sprint.commands import approve, review, unlock
from sprint.commands import run as run_command
from sprint.commands.mail_in import cmd_submit, cmd_watch
from sprint.commands.schedule import cmd_calendar, cmd_plan
from sprint.commands.status import cmd_status
from sprint.commands.validate import cmd_validate
from sprint.config.deployments import load_deployments
from sprint.config.drill import DrillError
from sprint.config.resources import CENSUS, REVIEW
from sprint.config.settings import SettingsError, load_settings
from sprint.domain import clock
from sprint.domain.calendar import BEIJING, CalendarError
from sprint.domain.plan import PlanError
from sprint.domain.shift import ShiftError
from sprint.store.store import Store, StoreError


class Usage(Exception):
    pass


OUTBOX_STATES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败",
                 "doubt": "存疑"}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是有效的日期：{text!r}。例：2020-10-12") from None


def _moment(text: str) -> dt.datetime:
    """A date means the end of that day in Beijing; a date and time is taken as Beijing time."""
    try:
        return clock.moment(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e) if isinstance(e, clock.NotAMoment) else
                                         f"不是有效的日期或时间：{text!r}。请这样写："
                                         f"{clock.EXAMPLES}") from None


def resolve(plan, name: str) -> str:
    """The plan's group a deployment name, a group name or a duty id stands for (the plan's
    own deployments: SPRINT_PLAN and a live drill switch them with it)."""
    if name in plan.flows:
        return name
    deployments = {d.name: d for d in load_deployments(plan)}
    if name in deployments and deployments[name].entrypoint == REVIEW:
        raise Usage(f"{name} 是审核表单，不按日期运行：请在界面 Deployments → {name} → Run 运行，"
                    "在运行页面点 Resume 逐份审核；或在命令行用 .venv/bin/sprint review")
    if name in deployments:
        return deployments[name].flow
    if name in {d.id for d in plan.duties}:
        return plan.duty(name).flow
    every = [d.name + ("（收到文件时自动运行）" if d.triggers and "flow" not in d.parameters else
                       "（审核表单，在界面运行或用 sprint review）" if d.entrypoint == REVIEW else "")
             for d in load_deployments(plan, triggered=True)]
    raise Usage(f"没有名为 {name!r} 的部署、事项组或事项。可用的名称：\n"
                f"  部署（{len(every)} 个）：{'、'.join(every)}\n"
                f"  事项组：{'、'.join(plan.flows)}\n"
                f"  事项：{'、'.join(d.id for d in plan.duties)}\n"
                "例：.venv/bin/sprint run labor-ledger --as-of 2020-10-12")


def cmd_run(args) -> int:
    plan = load_settings().plan
    return run_command.run(resolve(plan, args.duty), args.duty, args.as_of, args.dry_run)


def cmd_census(args) -> int:
    load_settings()  # a bad plan or setting stops here, with its message
    run_command.local_prefect()
    if args.inbox is not None and not args.inbox.is_dir():
        print(f"sprint: {args.inbox} is not a folder of unit folders", file=sys.stderr)
        return 1
    try:
        labor_census = run_command.load_flow(CENSUS)
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
            print(f"#{message_id}：" + ("已重新排队，下次运行时发送" if message_id in changed
                                       else "不是发送失败或存疑的邮件，未改动"))
        return 0 if len(changed) == len(args.resend) else 1
    if args.robot_back:  # a robot fallen back to mail only, mended: its chat hears again
        done = store.robots.restore(args.robot_back)
        print(f"群机器人 {args.robot_back}：" + ("已恢复，下次运行起重新发送群消息" if done
                                                else "未停用，无需恢复"))
        return 0 if done else 1
    rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()
             if k != "message"} for r in store.outbox_rows(args.status)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("发件箱中没有邮件记录。")
    for r in rows:
        status = OUTBOX_STATES.get(r["status"], r["status"])
        print(f"#{r['id']:<5} {status:<6} {r['kind']:<16} {r['duty']} {r['period']} "
              f"→ {r['recipients']}  {r['last_error'] or ''}")
    return 0


def cmd_replay(args) -> int:
    from sprint.job.replay import main as replay_main

    base = load_settings()  # a bad setting stops here, with its message
    home = args.home or base.home / "replay"
    sprint_days = base.plan.sprint  # the live plan's days: SPRINT_PLAN switches them too
    start = args.from_ or sprint_days.start
    end = args.to or sprint_days.end + dt.timedelta(days=1)
    return replay_main(start, end, args.seed, home.resolve(), args.json, base)


def cmd_up(args) -> int:
    from sprint.config.drill import next_monday
    from sprint.job.up import main_job

    drill = None if args.drill is None else (
        args.drill if args.drill != "next" else next_monday(dt.datetime.now(BEIJING).date()))
    return main_job(seed_demo=not args.no_demo, drill_day=drill)


def _drill_day(text: str) -> dt.date | str:
    return text if text == "next" else _date(text)


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
    approve.add_parser(sub, _moment)
    unlock.add_parser(sub)
    review.add_parser(sub, _moment)
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
    pl.add_argument("--prefect-yaml", action="store_true",
                    help="print the plan's deployments as a prefect.yaml (for `prefect deploy`)")
    pl.set_defaults(func=cmd_plan)
    o = sub.add_parser("outbox", help="the mail recorded, its state, and re-sending")
    o.add_argument("--status", choices=["pending", "sending", "sent", "failed", "doubt"])
    o.add_argument("--resend", type=int, nargs="+", metavar="ID",
                   help="queue failed or doubtful messages again")
    o.add_argument("--robot-back", metavar="UNIT",
                   help="a group robot fallen back to mail only: post to it again")
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=cmd_outbox)
    rp = sub.add_parser("replay", help="live the sprint in minutes on generated files")
    rp.add_argument("--from", dest="from_", type=_date,
                    help="first day (default: the live plan's first day)")
    rp.add_argument("--to", type=_date,
                    help="last day (default: the day after the live plan's last day)")
    rp.add_argument("--seed", type=int, default=2020)
    rp.add_argument("--home", type=Path, help="state folder of the replay (default $SPRINT_HOME/replay)")
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(func=cmd_replay)
    w = sub.add_parser("watch", help="watch the inbox and the operator's mailbox; announce "
                       "each file that lands, so the intake answers it at once")
    w.add_argument("--interval", type=float, default=1.0, help="seconds between polls (1)")
    w.add_argument("--once", action="store_true", help="one poll, then exit")
    w.set_defaults(func=cmd_watch)
    sb = sub.add_parser("submit", help="submit a file as a unit: into its folder, or by mail")
    sb.add_argument("file", type=Path)
    sb.add_argument("--unit", required=True, help="the submitting unit's code")
    sb.add_argument("--by-mail", action="store_true",
                    help="send it as the unit's mail to the operator's address (SMTP settings)")
    sb.add_argument("--subject", help="the mail's subject (default: the unit and file name)")
    sb.set_defaults(func=cmd_submit)
    u = sub.add_parser("up", help="the main job: Prefect server, worker, deployments, mail sink")
    u.add_argument("--no-demo", action="store_true", help="do not seed the demo inbox")
    u.add_argument("--drill", nargs="?", const="next", type=_drill_day, metavar="DATE",
                   help="a drill: the whole plan moved by whole weeks to start in the week of "
                        "DATE (default: the next Monday), in a state folder of its own")
    u.set_defaults(func=cmd_up)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except Usage as e:
        print(f"sprint: {e}", file=sys.stderr)
        return 2
    except (PlanError, SettingsError, StoreError, CalendarError, DrillError, ShiftError) as e:
        print(f"sprint: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sprint plan | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
