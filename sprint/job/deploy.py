"""The main job's deployments: the work pool, its command for each run, and `prefect deploy`.
Driven through Prefect's command line and REST API; no Prefect import."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from sprint.config.deployments import POOL

# Each run of the pool starts through the warm server when one listens (sprint/job/warm.py),
# else as `python -m prefect.engine`, as the process worker would start it.
LAUNCH = "sprint.job.warm_launch"


def tail(path: Path, lines: int = 25) -> str:
    text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
    return f"the end of {path}:\n" + "\n".join(text)


def deploy(prefect_file: Path, env: dict, log: Path, api: str) -> None:
    """Create the work pool when missing, set its command, then deploy every deployment of
    `prefect_file`."""
    with log.open("a") as out:
        def prefect(*args: str, check: bool = True) -> int:
            out.write(f"\n=== prefect {' '.join(args)}\n")
            out.flush()
            # In the folder holding flows/: the entry points are named from it.
            done = subprocess.run([sys.executable, "-m", "prefect", *args], env=env,
                                  cwd=env["SPRINT_PROJECT_DIR"],
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if check and done.returncode != 0:
                raise RuntimeError(f"`prefect {' '.join(args)}` failed: {tail(log)}")
            return done.returncode

        if prefect("work-pool", "inspect", POOL, check=False) != 0:
            prefect("work-pool", "create", POOL, "--type", "process")
        set_command(api, f"{sys.executable} -m {LAUNCH}")
        prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file))


def set_command(api: str, command: str) -> None:
    """The pool's default command for a run (the process worker's `command` job variable)."""
    with urllib.request.urlopen(f"{api}/work_pools/{POOL}", timeout=30) as answer:
        template = json.load(answer)["base_job_template"]
    template["variables"]["properties"]["command"]["default"] = command
    request = urllib.request.Request(f"{api}/work_pools/{POOL}", method="PATCH",
                                     data=json.dumps({"base_job_template": template}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).close()
