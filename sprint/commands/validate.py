"""`sprint validate FILE`: check one submission without taking it in, judged exactly as a run's
intake judges it: the problems a rejection reply would list, the period it would count for."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sprint.commands.live import as_of_moment
from sprint.config.settings import load_settings
from sprint.domain import clock
from sprint.domain.idcard import mask
from sprint.reading.one_verdict import validate_fenced
from sprint.services import intake

# Control characters (ESC among them: a cell could clear the screen or print a fake verdict)
# and the marks that turn text right to left (U+202E shows 'xslx.exe' as 'exe.xlsx').
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    """Text as the terminal should show it: each such character written out as <U+XXXX>."""
    return _HIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(text))


def cmd_validate(args) -> int:
    s = load_settings()
    path: Path = args.file
    if not path.is_file():
        print(f"sprint：找不到文件：{path}", file=sys.stderr)
        return 1
    unit = args.unit or (path.parent.name if path.parent.name in {u.code for u in s.plan.units} else None)
    if unit is not None:
        s.plan.unit(unit)
    when, note = as_of_moment(s, clock.moment(args.as_of) if args.as_of else None)
    if note:
        print(f"提示：{note}")
    arrival = intake.Arrival(unit or "", path, intake.sha256_of(path), when)
    j = intake.judge(arrival, path, s.plan) if unit else None
    verdict = j.verdict if j else validate_fenced(path, s.plan, None, when.date())
    ids = {c.name for t in s.plan.templates.values() for c in t.columns if c.type == "id_number"}
    name = f"《{verdict.template.name}》（工作表 {verdict.sheet}）" if verdict.template else "无法识别"
    print(shown(f"文件：{path}") + f"\n台账：{shown(name)}\n数据行：{len(verdict.ledger)}")
    if j and j.duty and j.period:
        print(f"计入：{j.duty.title}，报送期 {j.period}（按 {when:%Y-%m-%d %H:%M} 收到计算）")
    for p in verdict.problems:
        value = mask(p.value) if p.column in ids else p.value
        print(shown(f"  第{p.row or '-'}行 | {p.column or '-'} | {value} | {p.reason}"))
    for p in verdict.notes[:20]:
        print(shown(f"  提示：第{p.row or '-'}行 | {p.column or '-'} | {p.reason}"))
    if len(verdict.notes) > 20:
        print(f"  提示：另有 {len(verdict.notes) - 20} 条")
    accepted = j.accepted if j else verdict.accepted
    print("结果：通过" if accepted else f"结果：未通过，共 {len(verdict.problems)} 处问题")
    return 0 if accepted else 1
