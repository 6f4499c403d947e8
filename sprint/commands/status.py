"""`sprint status`: who owes what: each unit's state in each period of a ledger, each owner's
progress on a deadline, and each event as the date it is."""

from __future__ import annotations

import json
import sys

from sprint.commands.live import as_of_moment
from sprint.config.settings import load_settings


def cmd_status(args) -> int:
    from sprint.domain.engine.owed import standing_rows
    from sprint.services.context import connect
    from sprint.services.owing import book_of

    s = load_settings()
    now, note = as_of_moment(s, args.as_of)
    if note:
        print(f"提示：{note}", file=sys.stderr if args.json else sys.stdout)
    services = connect(s)
    rows = standing_rows(services.plan, book_of(services, now), now)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"截至 {now:%Y-%m-%d %H:%M} 尚无应报事项")
    for r in rows:
        task, period, unit, _, state, progress = list(r.values())[:6]
        print(f"{task}  {period}  {unit:<12}\t{state}" + (f"（{progress}）" if progress else ""))
    return 0
