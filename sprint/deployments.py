"""The deployments of prefect.yaml, read as data: which flow runs when."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


@dataclass(frozen=True)
class Deployment:
    name: str
    flow: str  # the plan's group it runs (its `flow` parameter), else the entrypoint's function
    schedules: tuple[dict, ...]
    parameters: dict
    entrypoint: str = ""

    def describe(self) -> str:
        parts = []
        for s in self.schedules:
            tz = s.get("timezone", "UTC")
            if "rrule" in s:
                parts.append(f"rrule {s['rrule'].replace(chr(10), ' ')} ({tz})")
            elif "cron" in s:
                parts.append(f"cron {s['cron']} ({tz})")
            elif "interval" in s:
                parts.append(f"every {s['interval']} s ({tz})")
        return f"{self.name}: " + ("; ".join(parts) or "by hand only")


def load_deployments(path: Path = PREFECT_YAML) -> list[Deployment]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for d in data.get("deployments", []):
        parameters = d.get("parameters") or {}
        flow = parameters.get("flow") or d["entrypoint"].rpartition(":")[2]
        out.append(Deployment(d["name"], flow, tuple(d.get("schedules") or ()), parameters,
                              d["entrypoint"]))
    return out
