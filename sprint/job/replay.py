"""Living the sprint in minutes: a simulated clock walks the days, generated files arrive at
their times, and every deployment of the plan runs at each of its scheduled times.

Not a flow: it calls the same services as the flows' tasks (no Prefect runs), with its own
services built for its own state folder. A
通报 draft is decided by the replay's own rule (see `decide`) instead of a person, and so are
the office's reviews and exceptions to locks (sprint/job/office.py).
"""

from __future__ import annotations

import collections
import datetime as dt
import sys
import time
from pathlib import Path

from dateutil.rrule import rrulestr

from sprint.config.deployments import Deployment, load_deployments
from sprint.config.settings import Settings
from sprint.domain.calendar import BEIJING, periods
from sprint.domain.records import NoticeRecord
from sprint.domain.shift import cron_times
from sprint.domain.status import rates, standings
from sprint.job.office import Office, office_counts, office_lines
from sprint.mailout.outbox import Delivery
from sprint.services.approval import APPROVE, DROP, Decision
from sprint.services.context import Services, connect
from sprint.services.deciding import apply, draft_notices, waiting
from sprint.services.inbox import collect, validate
from sprint.services.owing import book_of, judge
from sprint.services.sending import render, report_to_operator, send

RUN = "replay"  # the "flow run" every replayed draft belongs to


def schedule(deployments: list[Deployment], start: dt.date, end: dt.date) -> list[tuple[dt.datetime, str]]:
    """Every (time, group) the deployments fire at between start and end, each pair once."""
    first = dt.datetime.combine(start, dt.time(0), tzinfo=BEIJING)
    last = dt.datetime.combine(end, dt.time(23, 59), tzinfo=BEIJING)
    runs = set()
    for d in deployments:
        for s in d.schedules:
            if "rrule" in s:
                for t in rrulestr(s["rrule"]).between(first.replace(tzinfo=None),
                                                      last.replace(tzinfo=None), inc=True):
                    runs.add((t.replace(tzinfo=BEIJING), d.flow))
            elif "cron" in s:
                for t in cron_times(s["cron"], first.replace(tzinfo=None),
                                    last.replace(tzinfo=None)):
                    runs.add((t.replace(tzinfo=BEIJING), d.flow))
    return sorted(runs)


def decide(record: NoticeRecord) -> Decision | None:
    """The replay's stand-in for the office: most drafts approved, every fourth dropped, every
    seventh left undecided (it expires)."""
    if record.id % 7 == 0:
        return None
    if record.id % 4 == 0:
        return Decision(DROP, reason="核实后情况已有改善（回放规则）")
    return Decision(APPROVE)


def run_group(services: Services, group: str, now: dt.datetime) -> Delivery:
    """One scheduled run of a group, step by step as the flow takes them."""
    kept = collect(services, now)
    validate(services, kept)
    owed = judge(services, group, now, rows=False)  # no artifact: no state table
    asks = draft_notices(services, owed, now, RUN, None)
    delivery = send(services, render(services, owed.drafts) + asks, group, now, False, report=False)
    for record in waiting(services, RUN, now):
        decision = decide(record)
        if decision is not None:
            delivery = send(services, apply(services, record, decision, now), group, now, False,
                            report=False, after=delivery)
    return report_to_operator(services, delivery, group, now)


def replay(start: dt.date, end: dt.date, seed: int, settings: Settings, progress=None) -> dict:
    """Replay the sprint from start to end into the settings' state folder; returns the summary."""
    from sprint.demo.ahead import Ahead
    from sprint.demo.simulate import submissions

    services = connect(settings)
    office = Office(services, seed)
    began = time.perf_counter()
    files = submissions(services.plan, seed, start, end)
    # Each file carries its arrival time and a run sees only those already come: they are
    # written beside the runs, each run waiting for those due by its time (sprint/demo/ahead.py).
    ahead = Ahead(files, settings.inbox_root)
    runs = schedule(load_deployments(services.plan), start, end)  # the plan's own schedules
    per_flow: collections.Counter = collections.Counter()
    failures = []
    today = None
    for i, (at, group) in enumerate(runs, start=1):
        ahead.until(at)
        failures += office.act(at)  # the office's reviews and exceptions due before this run
        failures += run_group(services, group, at).problems
        per_flow[group] += 1
        if progress and at.date() != today:
            today = at.date()
            sent = len(services.store.outbox_rows("sent", with_message=False))
            progress(f"{today} · run {i}/{len(runs)} · {sent} mails sent "
                     f"· {time.perf_counter() - began:.0f} s")
    ahead.close()  # files arriving after the last run, written all the same
    return summary(services, per_flow, failures, len(files), time.perf_counter() - began, end)


def summary(services: Services, per_flow, failures, files: int, seconds: float, end: dt.date) -> dict:
    from sprint.domain.engine.procedure import county_households

    plan, st = services.plan, services.store
    now = dt.datetime.combine(end, dt.time(23, 59), tzinfo=BEIJING)
    rows = st.outbox_rows(with_message=False)
    receipts = st.receipts()
    duties = {}
    for duty in plan.duties:
        ps = [p for p in periods(plan, duty) if p.due < now]
        if ps and duty.kind in ("recurring", "procedure"):
            r = rates(standings(ps, [u.code for u in plan.owners(duty)],
                                [x for x in receipts if x.duty == duty.id], now), now)
            duties[duty.id] = {"expected": r.expected, "received": r.received, "on_time": r.on_time,
                               "completeness": round(r.completeness, 3)}
    book = book_of(services)
    households = []
    for duty in [d for d in plan.duties if d.procedure]:
        last = duty.procedure.stages[-1]
        for unit in plan.owners(duty):
            homes = county_households(plan, book, duty, unit.code, now)
            counts = collections.Counter(h.progress.stage or duty.procedure.not_started for h in homes)
            households.append({"county": unit.name, "households": len(homes), "out": counts[last],
                               "stages": dict(counts),
                               "stuck": [{"household": h.name, "id": h.id_masked,
                                          "stage": h.progress.stage or duty.procedure.not_started,
                                          "reason": "；".join(h.ready.reasons or h.progress.notes[-1:]) or "停滞"}
                                         for h in homes if not h.done(duty.procedure)]})
    notices = collections.Counter(n.status for n in st.notices.all())
    return {
        "files": files, "accepted": sum(r.accepted for r in receipts),
        "refused": sum(not r.accepted for r in receipts), "seconds": round(seconds, 1),
        "runs": dict(per_flow), "mails": len(rows),
        "mails_by_kind": dict(collections.Counter(r["kind"] for r in rows)),
        "mails_by_recipient": dict(collections.Counter(r["recipients"] for r in rows).most_common()),
        "notices": {"drafted": sum(notices.values()), "approved": notices["approved"],
                    "dropped": notices["dropped"], "expired": notices["expired"],
                    "waiting": notices["waiting"]},
        "undelivered": failures, "duties": duties, "exit": households,
        "office": office_counts(st, receipts),
    }


def main(start: dt.date, end: dt.date, seed: int, home: Path, as_json: bool,
         base: Settings) -> int:
    import json

    from sprint.job.mailsink import SinkApart

    sink = None
    overrides: dict = {"home": home, "inbox": home / "inbox"}
    if "smtp_host" not in base.model_fields_set:  # no mail server configured: a local one
        sink = SinkApart("127.0.0.1", base.smtp_port, home / "mail").start()
        overrides["smtp_port"] = sink.port
    try:
        result = replay(start, end, seed, base.model_copy(update=overrides),
                        lambda line: print(line, file=sys.stderr, flush=True))
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
    n = result["notices"]
    print(f"通报: {n['drafted']} drafted, {n['approved']} approved, {n['dropped']} dropped, "
          f"{n['expired']} expired, {n['waiting']} waiting")
    for duty_id, r in result["duties"].items():
        print(f"  {duty_id:<24} {r['received']}/{r['expected']} received, {r['on_time']} on time")
    for c in result["exit"]:
        stuck = "; ".join(f"{h['household']}（{h['stage']}：{h['reason']}）" for h in c["stuck"])
        print(f"  {c['county']}: {c['out']}/{c['households']} out" + (f"; stuck: {stuck}" if stuck else ""))
    for line in office_lines(result["office"]):
        print(line)
    if result["undelivered"]:
        print(f"{len(result['undelivered'])} message(s) not delivered: see `sprint outbox`")
    return 0
