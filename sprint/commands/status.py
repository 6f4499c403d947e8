"""`sprint status`: who owes what, each (duty, period, unit) and its computed state."""

from __future__ import annotations

import json
import sys

from sprint.calendar import periods
from sprint.commands.live import as_of_moment
from sprint.settings import load_settings
from sprint.status import standings
from sprint.store import Store


def cmd_status(args) -> int:
    s = load_settings()
    now, note = as_of_moment(s, args.as_of)
    if note:
        print(f"提示：{note}", file=sys.stderr if args.json else sys.stdout)
    store = Store(s.db_url)
    rows = []
    for duty in s.plan.duties:
        ps = [p for p in periods(duty) if p.opens <= now or p.due <= now]
        units = [u.code for u in s.plan.owners(duty)]
        for x in standings(ps, units, store.receipts(duty.id), now):
            rows.append({"duty": duty.id, "period": x.period.id, "unit": x.unit,
                         "unit_name": s.plan.unit(x.unit).name, "state": x.state.name.lower(),
                         "state_text": str(x.state), "due": x.period.due.isoformat(),
                         "submitted_at": x.submitted_at.isoformat() if x.submitted_at else None})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"nothing is due yet at {now:%Y-%m-%d %H:%M}")
    for r in rows:
        print(f"{r['duty']}  {r['period']}  {r['unit_name']:<12}\t{r['state_text']}")
    return 0
