"""The main job's deployments: the work pool and `prefect deploy`, through Prefect's command
line; no Prefect import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sprint.config.deployments import POOL


def tail(path: Path, lines: int = 25) -> str:
    text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
    return f"the end of {path}:\n" + "\n".join(text)


def deploy(prefect_file: Path, env: dict, log: Path) -> None:
    """Create the work pool when missing, then deploy every deployment of `prefect_file`."""
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
        prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file))
