"""Living the sprint in minutes: a simulated clock walks the days, generated files arrive at
their times, and every deployment of prefect.yaml runs at each of its scheduled times.

The flows' own steps run in-process (their tasks called directly, no flow runs in Prefect),
so a hundred days take a couple of minutes; mail goes through the configured SMTP server.
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib
import os
import sys
import time
from pathlib import Path

from dateutil.rrule import rrulestr

from sprint.calendar import BEIJING
from sprint.deployments import Deployment, load_deployments


def schedule(deployments: list[Deployment], start: dt.date, end: dt.date) -> list[tuple[dt.datetime, str]]:
    """Every (time, flow) the deployments fire at between start and end, each pair once."""
    first = dt.datetime.combine(start, dt.time(0), tzinfo=BEIJING)
    last = dt.datetime.combine(end, dt.time(23, 59), tzinfo=BEIJING)
    runs = set()
    for d in deployments:
        for s in d.schedules:
            if "rrule" in s:
                rule = rrulestr(s["rrule"])
                for t in rule.between(first.replace(tzinfo=None), last.replace(tzinfo=None), inc=True):
                    runs.add((t.replace(tzinfo=BEIJING), d.flow))
            elif "cron" in s:
                minute, hour, _, months, _ = s["cron"].split()
                allowed = None if months == "*" else {int(m) for m in months.split(",")}
                day = start
                while day <= end:
                    if allowed is None or day.month in allowed:
                        runs.add((dt.datetime.combine(day, dt.time(int(hour), int(minute)),
                                                      tzinfo=BEIJING), d.flow))
                    day += dt.timedelta(days=1)
    return sorted(runs)


def _in_process(task, *args):
    return None if task.name == "publish" else task.fn(*args)


def replay(start: dt.date, end: dt.date, seed: int, home: Path, progress=None) -> dict:
    """Replay the sprint from start to end into `home`; returns the summary."""
    os.environ["SPRINT_HOME"] = str(home)
    os.environ["SPRINT_INBOX"] = str(home / "inbox")
    from sprint.simulate import submissions, write
    from tasks.context import settings, store

    s = settings()
    began = time.perf_counter()
    files = submissions(s.plan, seed, start, end)
    for sub in files:  # each file carries its arrival time; a run sees only those already come
        write(sub, s.inbox_root)
    runs = schedule(load_deployments(), start, end)
    steps = {flow: importlib.import_module(f"flows.{flow}").steps for _, flow in runs}
    per_flow: collections.Counter = collections.Counter()
    failures = []
    today = None
    for i, (at, flow) in enumerate(runs, start=1):
        delivery, _, _ = steps[flow](at, False, _in_process)
        per_flow[flow] += 1
        failures += delivery.problems
        if progress and at.date() != today:
            today = at.date()
            sent = len(store(s).outbox_rows("sent", with_message=False))
            progress(f"{today} · run {i}/{len(runs)} · {sent} mails sent "
                     f"· {time.perf_counter() - began:.0f} s")
    return summary(s, store(s), per_flow, failures, len(files), time.perf_counter() - began, end)


def summary(s, st, per_flow, failures, files: int, seconds: float, end: dt.date) -> dict:
    from sprint import exit_report
    from sprint.calendar import periods
    from sprint.status import rates, standings

    plan = s.plan
    now = dt.datetime.combine(end, dt.time(23, 59), tzinfo=BEIJING)
    rows = st.outbox_rows(with_message=False)
    receipts = st.receipts()
    duties = {}
    for duty in plan.duties:
        ps = [p for p in periods(duty) if p.due < now]
        if ps and duty.kind in ("recurring", "procedure"):
            r = rates(standings(ps, [u.code for u in plan.owners(duty)],
                                [x for x in receipts if x.duty == duty.id], now), now)
            duties[duty.id] = {"expected": r.expected, "received": r.received, "on_time": r.on_time,
                               "completeness": round(r.completeness, 3)}
    duty = plan.duty("exit-process")
    households = []
    for unit, homes in exit_report.homes_by_county(plan, receipts, now).items():
        c = exit_report.county_context(plan, duty, unit, homes, end)
        households.append({"county": c["name"], "households": c["total"], "stages": c["counts"],
                           "stuck": [{"household": h.name, "id": h.id_masked,
                                      "stage": h.progress.stage or "未启动",
                                      "reason": "；".join(h.ready.reasons or h.progress.notes[-1:])
                                      or "停滞"} for h in homes if not h.progress.done]})
    return {
        "files": files, "accepted": sum(r.accepted for r in receipts),
        "refused": sum(not r.accepted for r in receipts), "seconds": round(seconds, 1),
        "runs": dict(per_flow), "mails": len(rows),
        "mails_by_kind": dict(collections.Counter(r["kind"] for r in rows)),
        "mails_by_recipient": dict(collections.Counter(r["recipients"] for r in rows).most_common()),
        "undelivered": failures, "duties": duties, "exit": households,
    }


def main(start: dt.date, end: dt.date, seed: int, home: Path, as_json: bool) -> int:
    import json

    from sprint.mailsink import MailSink

    sink = None
    if "SPRINT_SMTP_HOST" not in os.environ:
        sink = MailSink("127.0.0.1", int(os.environ.get("SPRINT_SMTP_PORT", "8025")),
                        maildir=home / "mail").start()
        os.environ["SPRINT_SMTP_PORT"] = str(sink.port)
    try:
        result = replay(start, end, seed, home, lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        if sink is not None:
            sink.stop()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"replay {start} → {end}: {result['files']} files ({result['accepted']} accepted, "
          f"{result['refused']} refused), {sum(result['runs'].values())} runs, "
          f"{result['mails']} mails, {result['seconds']} s")
    print("runs: " + ", ".join(f"{k} {v}" for k, v in result["runs"].items()))
    print("mails: " + ", ".join(f"{k} {v}" for k, v in result["mails_by_kind"].items()))
    for duty_id, r in result["duties"].items():
        print(f"  {duty_id:<24} {r['received']}/{r['expected']} received, {r['on_time']} on time")
    for c in result["exit"]:
        stuck = "; ".join(f"{h['household']}（{h['stage']}：{h['reason']}）" for h in c["stuck"])
        print(f"  {c['county']}: {c['stages'].get('销号', 0)}/{c['households']} out"
              + (f"; stuck: {stuck}" if stuck else ""))
    if result["undelivered"]:
        print(f"{len(result['undelivered'])} message(s) not delivered: see `sprint outbox`")
    return 0
