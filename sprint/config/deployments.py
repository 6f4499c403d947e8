"""The deployments of prefect.yaml, read as data: which flow runs when; and the copy the main
job deploys, its schedules moved for a drill or paused once the plan is over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from sprint.domain.shift import shifted, shifted_schedule

PREFECT_YAML = Path(__file__).resolve().parents[2] / "prefect.yaml"


@dataclass(frozen=True)
class Deployment:
    name: str
    flow: str  # the plan's group it runs (its `flow` parameter), else the entrypoint's function
    schedules: tuple[dict, ...]
    parameters: dict
    entrypoint: str = ""
    triggers: tuple[dict, ...] = ()

    def describe(self) -> str:
        parts = []
        for s in self.schedules:
            tz = s.get("timezone", "UTC")
            if "rrule" in s:
                rule = s["rrule"]
                if "RDATE:" in rule:
                    times = rule.partition("RDATE:")[2].split(",")
                    rule = f"{len(times)} times, {times[0]} to {times[-1]}"
                parts.append(f"rrule {rule.replace(chr(10), ' ')} ({tz})")
            elif "cron" in s:
                parts.append(f"cron {s['cron']} ({tz})")
            elif "interval" in s:
                parts.append(f"every {s['interval']} s ({tz})")
            if s.get("active") is False:
                parts[-1] += " paused"
        return f"{self.name}: " + ("; ".join(parts) or "by hand only")


_DAYS = dict(zip(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), "一二三四五六日", strict=True))


def in_words(schedule: dict) -> str:
    """A schedule as the operator reads it: 每隔一周周五17:30（北京时间），自10月9日起."""
    zone = "（北京时间）" if schedule.get("timezone") == "Asia/Shanghai" else ""
    if "cron" in schedule:
        minute, hour, _, months, _ = schedule["cron"].split()
        when = "每天" if months == "*" else "、".join(f"{m}月" for m in months.split(",")) + "每天"
        return f"{when}{int(hour)}:{int(minute):02d}{zone}"
    if "rrule" not in schedule:
        return "仅手动运行"
    rule = schedule["rrule"]
    start = dt.datetime.strptime(rule.partition("DTSTART:")[2][:15], "%Y%m%dT%H%M%S") \
        if "DTSTART:" in rule else None
    if "RDATE:" in rule:
        times = rule.partition("RDATE:")[2].split(",")
        return f"按列出的{len(times)}个时点运行{zone}"
    parts = dict(p.split("=", 1) for p in rule.partition("RRULE:")[2].split(";") if "=" in p)
    every = int(parts.get("INTERVAL", "1"))
    clock = f"{start:%-H:%M}" if start else ""
    if parts.get("FREQ") == "WEEKLY":
        day = "".join(f"周{_DAYS[d]}" for d in parts.get("BYDAY", "").split(",") if d in _DAYS)
        when = "每" if every == 1 else ("每隔一周" if every == 2 else f"每{every}周的")
        words = f"{when}{day}{clock}{zone}"
    else:
        words = ("每天" if every == 1 else f"每{every}天") + f"{clock}{zone}"
    if start:
        words += f"，自{start:%Y年%-m月%-d日}起"
    if "COUNT" in parts:
        words += f"，共{parts['COUNT']}次"
    return words


ON_EVENT = "台账落入收件箱即运行"  # a deployment run by its trigger (the intake)


def described(description: str, schedules: list[dict], triggered: bool = False,
              paused: bool | str = False) -> str:
    """A deployment's description led by its schedules in words (replacing the words before the
    ｜ of an earlier copy), so the UI's list says when each runs; and, paused, that it is and why
    (`paused` in words), which Prefect's own English page does not say plainly."""
    words = "；".join(in_words(s) for s in schedules) or (ON_EVENT if triggered else "仅手动运行")
    if paused:
        words += f"（已暂停：{paused if isinstance(paused, str) else '定时运行已暂停'}）"
    return f"{words}｜{description.partition('｜')[2] if '｜' in description else description}"


def load_deployments(path: Path = PREFECT_YAML, triggered: bool = False) -> list[Deployment]:
    """The deployments that run the plan's groups; with `triggered`, also those that only run
    on an event (the intake, when a file lands)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for d in data.get("deployments", []):
        parameters = d.get("parameters") or {}
        if not triggered and "flow" not in parameters and d.get("triggers"):
            continue
        flow = parameters.get("flow") or d["entrypoint"].rpartition(":")[2]
        out.append(Deployment(d["name"], flow, tuple(d.get("schedules") or ()), parameters,
                              d["entrypoint"], tuple(d.get("triggers") or ())))
    return out


def write_deployments(dest: Path, *, delta: dt.timedelta = dt.timedelta(0),
                      span: tuple[dt.datetime, dt.datetime] | None = None,
                      paused: bool | str = False, source: Path = PREFECT_YAML) -> Path:
    """prefect.yaml as the main job deploys it: every date moved by `delta` (whole weeks; a
    schedule whose days a week's move would not keep is listed out over `span`, the plan's
    window, naive Beijing time), and every schedule inactive when `paused` (its reason in words,
    or True), which each description then says."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for d in data.get("deployments", []):
        schedules = []
        for s in d.get("schedules") or []:
            if delta:
                s = shifted_schedule(s, delta, *span)
                if s is None:
                    continue
            schedules.append(s | ({"active": False} if paused else {}))
        rest = {k: v for k, v in d.items() if k != "schedules"}
        d.clear()
        d.update(shifted(rest, delta) if delta else rest)
        d["schedules"] = schedules
        d["description"] = described(d.get("description", ""), schedules,
                                     bool(d.get("triggers")), paused if schedules else False)
    dest.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Generated by `sprint up` from {source}"
              + (f", moved by {delta.days // 7} weeks" if delta else "")
              + (", every schedule paused" if paused else "") + ". Edit the source.\n")
    dest.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
                    encoding="utf-8")
    return dest
