"""Where the installed parts of the project are, in a checkout or after `pip install .`: the
mail templates (package data of the top-level `templates` package) and the folder the flows'
entry points are named from (the one holding `flows/`: the checkout, or site-packages)."""

from __future__ import annotations

from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path

# The flows, by their entry points as prefect.yaml names them (relative to project_dir()).
DUTIES = "flows/duties.py:duties"
INTAKE = "flows/intake.py:intake"
REVIEW = "flows/review.py:review"
CENSUS = "flows/labor_census.py:labor_census"


def templates() -> Path:
    """The folder of the jinja2 mail templates (`templates/<kind>-subject.txt`, ...)."""
    return Path(str(files("templates")))


def project_dir() -> Path:
    """The folder `flows/` sits in: where Prefect deploys from and the worker runs in. Found,
    not imported: nothing under sprint/ imports the flows."""
    spec = find_spec("flows")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the project's flows/ package is not installed (pip install .)")
    return Path(next(iter(spec.submodule_search_locations))).parent


def entrypoint(name: str) -> str:
    """An entry point (`flows/duties.py:duties`) as a path Prefect loads from anywhere."""
    path, _, function = name.partition(":")
    return f"{project_dir() / path}:{function}"
