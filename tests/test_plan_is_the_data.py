"""The plan is all the data: no module of the engine, the tasks, the flows or the tools names a
duty, a ledger, a column or a category of the bundled plan. Only the plan file does (and the
sample ledgers of sprint/demo, which write the bundled plan's columns as a county would)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = [p for folder in ("sprint", "tasks", "flows", "tools") for p in (ROOT / folder).rglob("*.py")
        if "demo" not in p.relative_to(ROOT).parts]


def literals(path: Path) -> set[str]:
    """Every string constant of a module, but the prose pieces of f-strings (a word there may
    happen to read like a category; a name the code looks up is a plain constant)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in prose}


def test_no_module_names_a_duty_a_ledger_a_column_or_a_category_of_the_plan(plan):
    names = {d.id for d in plan.duties} | set(plan.templates) | set(plan.flows)
    names |= {c.name for t in plan.templates.values() for c in t.columns}
    names |= {v for t in plan.templates.values() for c in t.columns for v in c.choices}
    found = {f"{p.relative_to(ROOT)}: {s!r}" for p in CODE for s in literals(p) & names}
    assert not found, "\n".join(sorted(found))
