"""The plan is all the data, and all the words: no module of the engine, the tasks, the flows or
the tools names a duty, a ledger, a column or a category of a plan, and no module and no mail
template says a plan's unit, office, group, city, campaign or document. Only the plan file does
(and the sample ledgers of sprint/demo, which write the bundled plan's columns as a county
would). Checked against every plan we carry: Baicheng's, Siping's and Qian'an's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sprint.domain.plan import BUNDLED_PLAN, Plan, load_plan

ROOT = Path(__file__).resolve().parents[1]
CODE = [p for folder in ("sprint", "tasks", "flows") for p in (ROOT / folder).rglob("*.py")
        if "demo" not in p.relative_to(ROOT).parts]
TEMPLATES = sorted((ROOT / "templates").iterdir())
PLANS = [BUNDLED_PLAN, ROOT / "tests" / "plans" / "siping-2021.yaml",
         ROOT / "tests" / "plans" / "qianan-2022.yaml"]


def _docstrings(tree: ast.AST) -> set[int]:
    """Docstrings document the code for its readers (in English); a user never sees one."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def literals(path: Path) -> set[str]:
    """Every string constant of a module, but the prose pieces of f-strings (a word there may
    happen to read like a category; a name the code looks up is a plain constant)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in prose}


def said(path: Path) -> list[str]:
    """Every text a module can say: its string constants and the constant parts of its
    f-strings, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs]


def words(plan: Plan) -> set[str]:
    """A plan's own words: every unit's name (the office and the group among them), the city
    (and its name without 市/县), the campaign, each quoted piece of its title, the document,
    and the name of its dispatch report."""
    found = {u.name for u in plan.units} | {plan.city, plan.campaign, plan.campaign_title,
                                             plan.title, plan.document}
    if len(plan.city) > 2:
        found.add(plan.city[:-1])
    found |= {p for p in re.split(r"[“”\"「」]", plan.campaign_title) if len(p) > 1}
    if plan.dispatch_name:
        found.add(plan.dispatch_name)
    return found


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_no_module_names_a_duty_a_ledger_a_column_or_a_category_of_the_plan(path):
    plan = load_plan(path)
    names = {d.id for d in plan.duties} | set(plan.templates) | set(plan.flows)
    names |= {c.name for t in plan.templates.values() for c in t.columns}
    names |= {v for t in plan.templates.values() for c in t.columns for v in c.choices}
    found = {f"{p.relative_to(ROOT)}: {s!r}" for p in CODE for s in literals(p) & names}
    assert not found, "\n".join(sorted(found))


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_no_module_and_no_template_says_a_word_of_the_plan(path):
    """Every deadline reminder ended "市扶贫办将拟稿通报市脱贫攻坚领导小组", two subjects began
    【百日冲刺】 and the approval request promised a "下次周调度报告", whatever the plan: a plan's
    words come from the plan file, through the templates' `plan`, `operator` and `group`."""
    plan_words = words(load_plan(path))
    found = {f"{p.relative_to(ROOT)}: {w}" for p in CODE for s in said(p) for w in plan_words
             if w in s}
    found |= {f"{p.relative_to(ROOT)}: {w}" for p in TEMPLATES
              for w in plan_words if w in p.read_text(encoding="utf-8")}
    assert not found, "\n".join(sorted(found))


def test_the_words_checked_are_the_plans_own():
    """The check is only as good as its list: Baicheng's words include the office, the group,
    the campaign and its dispatch, and the three plans share none of them."""
    baicheng, siping, qianan = (words(load_plan(p)) for p in PLANS)
    assert {"市扶贫办", "市脱贫攻坚领导小组", "百日冲刺", "脱贫攻坚", "白城", "周调度"} <= baicheng
    assert {"四平", "春耕六十天", "市春耕指挥部"} <= siping
    assert {"乾安", "春耕抗旱", "县农业农村局", "县春耕抗旱指挥部"} <= qianan
    assert not (baicheng & siping) and not (baicheng & qianan) and not (siping & qianan)
