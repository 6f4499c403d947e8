"""Every module the main job imports comes with the project's main dependencies (`bin/start`
installs no extras); CI proves it end to end in a clean environment (`.ci/smoke.py`)."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN_JOB = ("sprint", "flows", "tasks", "tools")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group(0)).lower()


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for package in MAIN_JOB:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in MAIN_JOB:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_module_the_main_job_imports_is_a_main_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    main = {_name(r) for r in project["dependencies"]}
    # The Dask fan-out is loaded only when SPRINT_DASK_ADDRESS asks for it (the `dask` extra).
    optional = {_name(r) for r in project["optional-dependencies"]["dask"]} | {"distributed"}
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module, files in _imports().items():
        names = {_name(d) for d in distributions.get(module, [module])}
        if not names & (main | optional):
            missing[module] = sorted(files)
    assert not missing, f"imported by the main job but not a main dependency: {missing}"


def test_mail_leaves_through_yagmail_and_no_module_of_ours_speaks_smtp_itself():
    """The stack's rule: yagmail sends the mail (sprint/mailout/mailer.py), never raw smtplib:
    `sprint submit --by-mail` had come to send a unit's file with smtplib of its own."""
    speaking = []
    for package in MAIN_JOB:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if any(n.split(".")[0] == "smtplib" for n in names):
                    speaking.append(str(path.relative_to(ROOT)))
    assert speaking == []
