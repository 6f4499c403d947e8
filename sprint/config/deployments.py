"""The deployments of the live plan, as data (which group runs when) and as the prefect.yaml the
main job deploys: the plan's own (`deployments:` in the plan file), each group it gives none
run by hand, the review form (by hand), and the intake that answers files as they land; every
schedule inactive once the plan is over. A drill's plan carries its schedules moved, as it
carries every date."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from sprint.config.resources import DUTIES, INTAKE, REVIEW
from sprint.domain.plan import Plan
from sprint.domain.plan.schedules import INTAKE as INTAKE_NAME

POOL = "sprint"
ON_EVENT = "台账落入收件箱即运行"  # a deployment run by its trigger (the intake)
BY_HAND = "仅手动运行"  # a deployment with no schedule: run from the UI or `sprint run`


@dataclass(frozen=True)
class Deployment:
    name: str
    flow: str  # the plan's group it runs (its `flow` parameter), else the entrypoint's function
    schedules: tuple[dict, ...]
    parameters: dict
    entrypoint: str = ""
    triggers: tuple[dict, ...] = ()

    def describe(self) -> str:
        """The deployment and when it runs, as the operator reads it (`sprint plan`)."""
        words = "；".join(in_words(s) + ("（已暂停）" if s.get("active") is False else "")
                         for s in self.schedules)
        return f"{self.name}：{words or (ON_EVENT if self.triggers else BY_HAND)}"


_DAYS = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), "一二三四五六日", strict=True))
_CRON_DAYS = "日一二三四五六日"  # cron's weekday numbers: 0 and 7 are Sunday


def in_words(schedule: dict) -> str:
    """A schedule as the operator reads it: 每隔一周周五17:30（北京时间），自2020年10月9日起.
    A rule it has no words for is quoted as it is, never described wrongly."""
    zone = "（北京时间）" if schedule.get("timezone") == "Asia/Shanghai" else ""
    if "cron" in schedule:
        return _cron_words(schedule["cron"], zone)
    if "rrule" not in schedule:
        return BY_HAND
    rule = schedule["rrule"]
    start = dt.datetime.strptime(rule.partition("DTSTART:")[2][:15], "%Y%m%dT%H%M%S") \
        if "DTSTART:" in rule else None
    if "RDATE:" in rule:
        times = rule.partition("RDATE:")[2].split(",")
        return f"按列出的{len(times)}个时点运行{zone}"
    recur = rule.partition("RRULE:")[2]
    parts = dict(p.split("=", 1) for p in recur.split(";") if "=" in p)
    every = int(parts.get("INTERVAL", "1"))
    clock = f"{start:%-H:%M}" if start else ""
    plain = set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"}
    if parts.get("FREQ") == "WEEKLY" and plain:
        day = "".join(f"周{_DAYS[d]}" for d in parts.get("BYDAY", "").split(",") if d in _DAYS)
        when = "每" if every == 1 else ("每隔一周" if every == 2 else f"每{every}周的")
        words = f"{when}{day}{clock}{zone}"
    elif parts.get("FREQ") == "DAILY" and plain and "BYDAY" not in parts:
        words = ("每天" if every == 1 else f"每{every}天") + f"{clock}{zone}"
    else:
        words = f"按规则 {recur} 运行{zone}"
    if start:
        words += f"，自{start:%Y年%-m月%-d日}起"
    if "COUNT" in parts:
        words += f"，共{parts['COUNT']}次"
    return words


def _cron_words(cron: str, zone: str) -> str:
    minute, hour, day, months, weekday = cron.split()
    if not (minute.isdigit() and hour.isdigit()) or "/" in day + months + weekday:
        return f"按 cron “{cron}” 运行{zone}"
    when = "" if months == "*" else "、".join(f"{m}月" for m in months.split(",")) + "的"
    if day == "*" and weekday == "*":
        when = when.removesuffix("的") + "每天"
    else:
        named = [] if day == "*" else [f"每月{day.replace(',', '、')}日"]
        if weekday != "*":
            names = ["至".join(f"周{_CRON_DAYS[int(x)]}" for x in part.split("-"))
                     for part in weekday.split(",")]
            named.append("每" + "、".join(names))
        when += "或".join(named)
    return f"{when}{int(hour)}:{int(minute):02d}{zone}"


def described(description: str, schedules: list[dict], triggered: bool = False,
              paused: bool | str = False) -> str:
    """A deployment's description led by its schedules in words (replacing the words before the
    ｜ of an earlier copy), so the UI's list says when each runs; and, paused, that it is and why
    (`paused` in words), which Prefect's own English page does not say plainly."""
    words = "；".join(in_words(s) for s in schedules) or (ON_EVENT if triggered else BY_HAND)
    if paused:
        words += f"（已暂停：{paused if isinstance(paused, str) else '定时运行已暂停'}）"
    return f"{words}｜{description.partition('｜')[2] if '｜' in description else description}"


# The intake: not a group of any plan, the same for every plan. `sprint watch` emits these
# events (sprint/job/watch.py: LANDED, MAIL_READ) in batches, one per unit, each once the last
# is taken in (at most every 5 s while it is not);
# the trigger fires on the first of a batch and lets the rest (`within` seconds) go, as that run
# takes them all. Whatever is still not taken in is announced again, so nothing waits for the
# scheduled runs.
_INTAKE_TRIGGER = {
    "type": "event", "enabled": True,
    "match": {"prefect.resource.id": "sprint.unit.*"},
    "expect": ["sprint.ledger.landed", "sprint.mail.read"],
    "posture": "Reactive", "threshold": 1, "within": 1,
    "parameters": {"unit": "{{ event.resource['sprint.unit'] }}"},
}
_INTAKE_ABOUT = "即时收件：台账落入单位收件文件夹（经邮件或直接放入）后立即接收并回复接收或退回"


def load_deployments(plan: Plan | None = None, triggered: bool = False) -> list[Deployment]:
    """The deployments that run the plan's groups (default: the live plan, which follows
    SPRINT_PLAN and a live drill); with `triggered`, also the intake, run by its trigger."""
    return [_deployment(d) for d in prefect_document(_live(plan))["deployments"]
            if triggered or not d.get("triggers")]


def read_deployments(path: Path, triggered: bool = False) -> list[Deployment]:
    """The deployments of a prefect.yaml file (what `sprint up` deployed; the top-level copy)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_deployment(d) for d in data.get("deployments", [])
            if triggered or not d.get("triggers")]


def _deployment(d: dict) -> Deployment:
    parameters = d.get("parameters") or {}
    flow = parameters.get("flow") or d["entrypoint"].rpartition(":")[2]
    return Deployment(d["name"], flow, tuple(d.get("schedules") or ()), parameters,
                      d["entrypoint"], tuple(d.get("triggers") or ()))


def _live(plan: Plan | None) -> Plan:
    if plan is not None:
        return plan
    from sprint.config.settings import load_settings

    return load_settings().plan


def prefect_document(plan: Plan, paused: bool | str = False) -> dict:
    """The plan's deployments as prefect.yaml writes them; every schedule inactive when
    `paused` (its reason in words, or True), which each description then says. The worker runs
    each in the folder holding flows/ (SPRINT_PROJECT_DIR)."""
    deployments = []
    for d in plan.group_deployments():
        schedules = [s.as_prefect() | ({"active": False} if paused else {}) for s in d.schedules]
        deployments.append({
            "name": d.name, "entrypoint": DUTIES, "description": described(d.description, schedules, paused=paused),
            "work_pool": {"name": POOL}, "parameters": {"flow": d.flow, "dry_run": False},
            "schedules": schedules, "concurrency_limit": 1})
    for d in plan.review_deployments():  # a form waiting for a person: nothing to schedule or pause
        deployments.append({
            "name": d.name, "entrypoint": REVIEW, "description": described(d.description, []),
            "work_pool": {"name": POOL}, "parameters": {}, "schedules": [],
            "concurrency_limit": 1})
    deployments.append({
        "name": INTAKE_NAME, "entrypoint": INTAKE, "description": described(_INTAKE_ABOUT, [], True),
        "work_pool": {"name": POOL}, "parameters": {},
        "triggers": [copy.deepcopy(_INTAKE_TRIGGER)], "concurrency_limit": 1})
    return {"name": "hundred-day-sprint",
            "pull": [{"prefect.deployments.steps.set_working_directory":
                      {"directory": "{{ $SPRINT_PROJECT_DIR }}"}}],
            "deployments": deployments}


def prefect_yaml(plan: Plan, *, paused: bool | str = False, source: Path | None = None,
                 by: str = "`sprint up`") -> str:
    """The text of prefect.yaml for the plan (read from `source`), with a line saying whence."""
    header = (f"# Generated by {by} from the deployments of {source or 'the plan'}"
              + (", every schedule paused" if paused else "") + ". Edit the plan file.\n")
    return header + yaml.safe_dump(prefect_document(plan, paused), allow_unicode=True,
                                   sort_keys=False, width=120)


def write_deployments(dest: Path, plan: Plan, *, paused: bool | str = False,
                      source: Path | None = None) -> Path:
    """prefect.yaml as the main job deploys it, from the plan (read from `source`)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(prefect_yaml(plan, paused=paused, source=source), encoding="utf-8")
    return dest
