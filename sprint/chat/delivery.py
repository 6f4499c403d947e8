"""Robot messages through the outbox, with mail's guarantees: recorded before they leave, each
claimed before it is posted (at most once), in doubt when the answer is lost; spread so no
robot gets more than the plan's `per_minute` in any minute; held for the service's throttling;
and a robot that keeps failing falls back to mail only, named to the operator once."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sprint.chat import client
from sprint.chat.render import ROBOT, ChatMessage
from sprint.domain.plan import Plan
from sprint.store.robot_state import Standing
from sprint.store.store import Store

PREFIX = "robot:"  # an outbox row's recipients: the unit whose robot it goes to


@dataclass
class Delivery:
    """How a delivery went, as the mail's (sprint.mailout.outbox.Delivery) says it."""

    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # waits, pending: held or not reached
    failed: list[str] = field(default_factory=list)  # the operator must act
    in_doubt: list[str] = field(default_factory=list)  # posted, the answer lost

    @property
    def problems(self) -> list[str]:
        return self.deferred + self.failed + self.in_doubt


def unset(plan: Plan, env: Mapping[str, str] | None = None) -> list[str]:
    """The units whose robot has no webhook on this machine (its URL variable unset): they
    hear by mail only, and the run's log says so."""
    env = os.environ if env is None else env
    return [u.code for u in plan.units if u.robot is not None and not env.get(u.robot.url_env)]


def enqueue(store: Store, plan: Plan, chats: list[ChatMessage], now: dt.datetime,
            env: Mapping[str, str] | None = None) -> int:
    """Record each robot message not recorded yet; none to a robot fallen back to mail only,
    nor to one not set up on this machine."""
    quiet = store.robots.mail_only() | set(unset(plan, env))
    known = store.keys()
    new = 0
    for c in chats:
        if c.code in quiet or c.key in known:
            continue
        new += store.enqueue(c.key, [PREFIX + c.code], c.title, client.payload_bytes(c.payload), now)
    return new


def deliver(store: Store, plan: Plan, now: dt.datetime, env: Mapping[str, str] | None = None,
            post: Callable[..., client.Answer] = client.post, sleep=time.sleep,
            wall=time.time, claimer: str = "", is_dead=None) -> Delivery:
    """Post every pending robot message once; `wall` and `sleep` are the clock the services
    count their minute by. `claimer` names this run on each claim; `is_dead(claimer, at)`
    says whether a claim's run died (the outbox's rule): its message is then in doubt."""
    env = os.environ if env is None else env
    report = Delivery()
    claimer = claimer or f"{socket.gethostname()}:{os.getpid()}"
    for row in store.mark_in_doubt(is_dead or _dead):
        report.in_doubt.append(f"{_label(row)}: the run sending it stopped mid-send; check, "
                               "then `sprint outbox --resend ID`")
    rows = [r for r in store.outbox_rows("pending", with_message=False)
            if r["kind"].startswith(ROBOT)]
    by_robot: dict[str, list[dict]] = {}
    for r in rows:
        by_robot.setdefault(r["recipients"].removeprefix(PREFIX), []).append(r)
    for code, queue in by_robot.items():
        _robot(store, plan, code, queue, now, env, post, sleep, wall, report, claimer)
    return report


def _label(row: dict) -> str:
    return f"{row['kind']} {row['duty']} {row['period']} → {row['recipients']} (#{row['id']})"


def _robot(store, plan, code, queue, now, env, post, sleep, wall, report: Delivery,
           claimer: str) -> None:
    rules = plan.robots
    robot = plan.unit(code).robot
    state = store.robots.get(code)
    if robot is None or state.mail_only_since is not None:
        for row in queue:  # the mail went; this robot takes nothing more
            store.settle(row["id"], "failed", now, "群机器人已停用，仅发送邮件")
        return
    url, secret = env.get(robot.url_env), env.get(robot.secret_env) if robot.secret_env else None
    if not url:
        _failed(store, plan, state, queue, now, report,
                f"环境变量 {robot.url_env} 未设置，无法发送到 {code} 的群机器人")
        return
    for position, row in enumerate(queue):
        held = state.held_until is not None and state.held_until > _at(wall())
        if held:
            report.deferred += [f"{_label(r)}: 群机器人限流，暂停至 {state.held_until:%H:%M}（UTC）后再发"
                                for r in queue[position:]]
            break
        _spread(state, rules.per_minute, rules.window_seconds, sleep, wall)
        if not store.claim(row["id"], claimer):
            continue  # another run took it
        payload = store.message(row["id"])
        answer = post(robot.kind, url, secret, payload, rules.timeout_seconds)
        state.recent.append(wall())
        store.robots.put(state)  # before settling: a run killed now still counts this send
        if answer.sent:
            store.settle(row["id"], "sent", now)
            state.failures = 0
            report.sent.append(_label(row))
        elif answer.throttled:  # not taken: it waits, with the rest of this robot's queue
            store.settle(row["id"], "pending", now, answer.error)
            state.held_until = _at(wall()) + dt.timedelta(minutes=rules.hold_minutes)
            report.deferred.append(f"{_label(row)}: {answer.error}")
        elif answer.in_doubt:
            store.settle(row["id"], "doubt", now, answer.error)
            report.in_doubt.append(f"{_label(row)}: {answer.error}; check, then "
                                   "`sprint outbox --resend ID`")
        else:
            store.settle(row["id"], "pending" if answer.transient else "failed", now, answer.error)
            (report.deferred if answer.transient else report.failed).append(
                f"{_label(row)}: {answer.error}")
            state.failures += 1
            if state.failures >= rules.failures_before_mail_only:
                _fall_back(store, state, queue[position + 1:], now, report, answer.error)
                return
    store.robots.put(state)


def _failed(store, plan, state: Standing, queue, now, report, why: str) -> None:
    for row in queue:
        store.settle(row["id"], "failed", now, why)
        report.failed.append(f"{_label(row)}: {why}")
    state.failures += len(queue)
    if state.failures >= plan.robots.failures_before_mail_only:
        _fall_back(store, state, [], now, report, why)
    else:
        store.robots.put(state)


def _fall_back(store, state: Standing, rest, now, report: Delivery, why: str) -> None:
    """Mail only from now on; the operator hears it once, in this run's delivery report."""
    for row in rest:
        store.settle(row["id"], "failed", now, "群机器人已停用，仅发送邮件")
    state.mail_only_since = now
    if not state.told:
        report.failed.append(f"robot {state.code}: 群机器人连续 {state.failures} 次发送失败"
                             f"（{why}），已改为仅发送邮件；修复后运行 "
                             f".venv/bin/sprint outbox --robot-back {state.code} 恢复")
        state.told = True
    store.robots.put(state)


def _spread(state: Standing, per_minute: int, window: float, sleep, wall) -> None:
    """Wait until the robot's last `window` seconds hold fewer than `per_minute` sends."""
    state.recent = [t for t in state.recent if wall() - t < window][-per_minute:]
    if len(state.recent) >= per_minute:
        sleep(max(0.0, state.recent[0] + window - wall()) + 0.05)
        state.recent = [t for t in state.recent if wall() - t < window]


def _dead(claimer: str | None, at) -> bool:
    """Without the outbox's rule: a claim of a process on this host that is gone."""
    host, _, pid = (claimer or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
