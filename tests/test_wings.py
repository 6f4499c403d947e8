"""The house in wings: a newcomer knows from a module's folder what it may import.

Each wing of `sprint/` stands on a floor; a module imports its own wing and the floors below,
never a floor above, and nothing under `sprint/` imports the entry points (`tasks/`, `flows/`,
`tools/`). The imports are read from the source (every `import`, inside functions too), so a
lazy import that runs back up is found like any other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lower floors first. A wing imports its own floor's wings only where listed in SIDEWAYS.
FLOORS = {
    "sprint.domain": 0,
    "sprint.reading": 1, "sprint.demo": 1, "sprint.config": 1,
    "sprint.store": 2,
    "sprint.mailout": 3, "sprint.mailin": 3, "sprint.chat": 3,
    "sprint.services": 4,
    "sprint.job": 5,
    "sprint.commands": 6,
}
ENTRY_POINTS = ("tasks", "flows", "tools", "bench")
MAX_LINES = 250


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / "sprint").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules one module imports, each as the module (or package) it names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            # `from pkg import mod` names the module; `from mod import name` the module itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            continue
        for t in targets:
            if t.split(".")[0] in ENTRY_POINTS + ("sprint",):
                out.add(t)
    out.discard(name)
    return out


def _wing(module: str) -> str | None:
    return next((w for w in FLOORS if module == w or module.startswith(w + ".")), None)


def test_every_module_of_sprint_sits_in_a_wing():
    """No flat module beside the wings: `sprint/` holds wings, the plans folder and its init."""
    loose = [m for m in _modules() if m != "sprint" and _wing(m) is None]
    assert loose == []


def test_no_module_imports_a_floor_above_its_own_or_an_entry_point():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        own = _wing(name)
        for target in _imports(name, path, modules):
            if target.split(".")[0] in ENTRY_POINTS:
                wrong.append(f"{name} -> {target} (an entry point)")
                continue
            wing = _wing(target)
            if own is None or wing is None or wing == own:
                continue
            if FLOORS[wing] >= FLOORS[own]:
                wrong.append(f"{name} (floor {FLOORS[own]}) -> {target} (floor {FLOORS[wing]})")
    assert wrong == []


def test_the_domain_imports_no_prefect():
    modules = _modules()
    wrong = [name for name, path in modules.items() if _wing(name) == "sprint.domain"
             and "prefect" in {n.split(".")[0] for n in _third_party(path)}]
    assert wrong == []


def _third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def test_no_import_circle():
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        # importing a module runs its packages' __init__ first
        graph[name] = {t for t in _imports(name, path, modules) if t in modules}
    circles = _circles(graph)
    assert circles == []


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_stays_small():
    """A module over 250 lines is two ideas (the house style)."""
    long = {str(p.relative_to(ROOT)): n for p in [*(ROOT / "sprint").rglob("*.py"),
                                                  *(ROOT / "tasks").glob("*.py"),
                                                  *(ROOT / "flows").glob("*.py"),
                                                  *(ROOT / "tools").glob("*.py")]
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_circle_finder_finds_a_circle():
    """The check above could not fail if it never saw a circle."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
