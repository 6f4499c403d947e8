"""`sprint validate FILE`: check one submission without taking it in."""

from __future__ import annotations

import sys
from pathlib import Path

from sprint.commands.live import as_of_day
from sprint.idcard import mask
from sprint.ledger import validate_file
from sprint.settings import load_settings


def cmd_validate(args) -> int:
    s = load_settings()
    path: Path = args.file
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    unit = args.unit or (path.parent.name if path.parent.name in {u.code for u in s.plan.units} else None)
    if unit is not None:
        s.plan.unit(unit)
    day, note = as_of_day(s, args.as_of)
    if note:
        print(f"提示：{note}")
    verdict = validate_file(path, s.plan, unit, day)
    ids = {c.name for t in s.plan.templates.values() for c in t.columns if c.type == "id_number"}
    name = f"《{verdict.template.name}》（工作表 {verdict.sheet}）" if verdict.template else "无法识别"
    print(f"文件：{path}\n台账：{name}\n数据行：{len(verdict.ledger)}")
    for p in verdict.problems:
        value = mask(p.value) if p.column in ids else p.value
        print(f"  第{p.row or '-'}行 | {p.column or '-'} | {value} | {p.reason}")
    if verdict.notes:
        print(f"提示：{len(verdict.notes)} 个身份证号不是本县签发（已接收，仅作提示）")
    print("结果：通过" if verdict.accepted else f"结果：未通过，共 {len(verdict.problems)} 处问题")
    return 0 if verdict.accepted else 1


