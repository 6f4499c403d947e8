"""`sprint approve`: the 通报 drafts that wait, and a person's decision on one, from the shell.

A decision taken here is carried out here: an approved 通报 goes through the outbox at once (its
key keeps it to one sending, whoever else decides later), a drop records its reason. A deployed
run suspended for that draft is then resumed with the same decision, so it ends instead of
waiting; it finds the draft decided and sends nothing more."""

from __future__ import annotations

import sys
import time

from sprint.commands.live import as_of_moment
from sprint.commands.run import local_prefect, run_link
from sprint.domain.calendar import BEIJING
from sprint.domain.engine.notices import expires_at
from sprint.services import deciding, sending
from sprint.services.approval import APPROVE, APPROVE_WITH_NOTE, DROP, Decision, pause_key
from sprint.services.context import connect

EXAMPLE = ("例：.venv/bin/sprint approve 3 批准发送；.venv/bin/sprint approve 3 --note \"请于11月6日前"
           "整改到位\" 附言后批准发送；.venv/bin/sprint approve 3 --drop \"已电话督促\" 不发送")


def cmd_approve(args) -> int:
    services = connect()
    waiting = deciding.undecided(services)
    if args.id is None:
        return listing(services, waiting)
    record = next((r for r in waiting if r.id == args.id), None)
    if record is None:
        known = "、".join(f"#{r.id}" for r in waiting) or "（没有）"
        print(f"sprint：没有待审批的通报草稿 #{args.id}（可能已审批、已作废或编号有误）。"
              f"待审批的草稿：{known}", file=sys.stderr)
        return 1
    if args.drop is not None and args.note:
        print(f"sprint：--note（附言后批准）和 --drop（不发送）只能选一个。\n{EXAMPLE}",
              file=sys.stderr)
        return 2
    if args.drop is not None or args.choice == DROP:
        decision = Decision(DROP, reason=args.drop or "")
    else:
        decision = Decision(APPROVE_WITH_NOTE if args.note else APPROVE, note=args.note or "")
    now, _ = as_of_moment(services.settings, args.as_of)
    messages = deciding.apply(services, record, decision, now)
    group = services.plan.duty(record.duty).flow
    delivery = sending.send(services, messages, group, now, dry_run=False) if messages else None
    if delivery is not None:
        print(f"通报 #{record.id} 已批准，已发送 {len(delivery.sent)} 封：{record.subject}")
        for problem in delivery.problems:
            print(f"  {problem}", file=sys.stderr)
    elif decision.approved:  # decided meanwhile in the UI: its decision stands, sent once
        print(f"通报 #{record.id} 刚刚已在界面中审批，未重复发送。")
    else:
        print(f"通报 #{record.id} 不发送，理由已记录：{decision.reason or '未填写理由'}")
    resumed = resume(record.run, record.id, decision)
    if resumed:
        print(f"等待此草稿的运行已继续：{resumed}")
    return 1 if delivery is not None and delivery.problems else 0


def listing(services, waiting) -> int:
    if not waiting:
        print("没有待审批的通报草稿。")
        return 0
    print(f"待审批的通报草稿 {len(waiting)} 份：")
    for r in waiting:
        drafted = r.drafted_at.astimezone(BEIJING)
        until = expires_at(services.plan, r)
        print(f"#{r.id}  {r.subject}\n     收件：{r.recipients}；拟稿 {drafted:%Y-%m-%d %H:%M}，"
              f"{until:%Y-%m-%d %H:%M} 前未审批即作废")
    print(f"审批：{EXAMPLE}")
    return 0


def resume(run_id: str | None, record_id: int, decision: Decision,
           settle: float = 120) -> str | None:
    """Resume the deployed run waiting for this draft, when the main job's server has one. A
    run still on its way (resumed for an earlier draft) is watched until it waits or ends; one
    waiting for another draft is left to wait for that one."""
    if not run_id or not local_prefect():
        return None
    from uuid import UUID

    from prefect import get_client, resume_flow_run

    deadline = time.monotonic() + settle
    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(run_id)).state
            while not (state.is_final() or state.is_paused()) and time.monotonic() < deadline:
                time.sleep(1)
                state = client.read_flow_run(UUID(run_id)).state
        if not state.is_paused() or state.state_details.pause_key != pause_key(record_id):
            return None
        resume_flow_run(UUID(run_id), run_input={"decision": decision.choice,
                                                 "note": decision.note,
                                                 "reason": decision.reason})
    except Exception:  # noqa: BLE001 - the decision stands and is sent; the run times out alone
        return None
    return run_link(run_id)


def add_parser(sub, moment) -> None:
    a = sub.add_parser("approve", help="list the 通报 drafts that wait; approve or drop one")
    a.add_argument("id", type=int, nargs="?", metavar="ID", help="the draft's number (#)")
    a.add_argument("choice", nargs="?", choices=[APPROVE, APPROVE_WITH_NOTE, DROP],
                   help="optional, the decision in words (default 批准发送; implied by "
                        "--note or --drop)")
    a.add_argument("--note", help="approve with this note (附言) in the 通报")
    a.add_argument("--drop", metavar="REASON", help="do not send; the reason is recorded")
    a.add_argument("--as-of", type=moment, help="the decision's time (default now)")
    a.set_defaults(func=cmd_approve)
