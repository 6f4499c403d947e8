"""The inbox as a run takes it: new files found and kept, then each judged, recorded and (when
accepted) its table shelved, so that it is validated once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sprint.services import crosschecks, expiry, intake, keeping, receipts, resend, versions
from sprint.services.context import QUIET, Log, Services


def collect(services: Services, now, log: Log = QUIET) -> list[tuple[intake.Arrival, str]]:
    """New files of every unit, each kept in the state folder with its SHA-256."""
    s = services.settings
    # A file written in the last 2 s may still be being copied in: `sprint watch` announces it
    # once it stays the same, and the next run takes it.
    arrivals, warnings = intake.scan(s.inbox_root, services.plan, services.store, now, quiet=2.0)
    for w in warnings:
        log.warning(w)
    kept = []
    for a in arrivals:  # whatever happens while one file is kept, it is that file's alone
        if a.refused:  # it could not even be read
            kept.append((a, ""))
            continue
        try:
            kept.append((a, str(intake.keep(a, s.kept_root, services.plan.limits.max_file_mb))))
        except keeping.Refused as e:
            log.warning("%s/%s：保存时退回：%s", a.unit, a.path.name, e.reason)
            kept.append((replace(a, refused=(e.reason, e.failure)), ""))
        except keeping.Later as e:
            log.error("%s", e)
        except Exception as e:  # nothing one file does stops the run
            reason = (f"文件无法保存（程序错误 {type(e).__name__}，已记录，请联系"
                      f"{services.plan.unit(services.plan.operator).name}），请稍后重新提交")
            log.exception("%s/%s：保存时出错，已退回", a.unit, a.path.name)
            kept.append((replace(a, refused=(reason, type(e).__name__)), ""))
    log.info("收件箱 %s：新文件 %d 个", s.inbox_root, len(kept))
    return kept


def validate(services: Services, kept: list[tuple[intake.Arrival, str]],
             log: Log = QUIET) -> list[intake.Judgement]:
    """Check each new file against its template, decide which period it counts for, record the
    verdict, and shelve the table of an accepted file."""
    store = services.store
    judged = []
    done = resend.fulfilled(store) if kept else {}
    known = versions.latest(services) if kept else {}
    unlocks = store.unlocks.all() if kept else []
    files = [(arrival, Path(path)) for arrival, path in kept]
    checked = intake.verdicts(files, services.plan)
    for i, ((arrival, path), verdict) in enumerate(zip(files, checked, strict=True), start=1):
        j = expiry.enforced(services.plan, intake.judge(arrival, path, services.plan, done, verdict),
                            unlocks)
        j = versions.compared(services, crosschecks.checked(services, j, known, log), known, log)
        if receipts.record(store, j):
            judged.append(j)
            if j.accepted:
                done.setdefault((arrival.unit, j.duty.id), set()).add(j.period)
                services.shelf.put(str(j.kept_path), j.verdict.ledger)
        verdict = "已接收" if j.accepted else f"退回（{len(j.verdict.problems)} 个问题）"
        first = j.verdict.problems[0].reason if j.verdict.problems else ""
        if j.verdict.failure:
            verdict += f"［{j.verdict.failure}］"
        log.info("[%d/%d] %s/%s：%s %s", i, len(kept), arrival.unit, arrival.path.name,
                 verdict, first)
    return judged
