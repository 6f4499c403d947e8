"""A Prefect database already migrated, copied for each SQLite-backed Prefect server a test starts.

A Prefect server on a new SQLite database first runs every migration: 9 s of CPU of its 13 s
start (a server on a migrated database is up in 5 s), and a test session starts about ten of
them (one per pytest worker, and each main job `tests/test_up.py` starts). So the session
migrates one database, once, with Prefect's own command, and each server starts on a copy of
it, as an operator's second `sprint up` does. A main job's first start on a new database, which
migrates, is what `.ci/smoke.py` runs before the tests, and what the guide's pictures and the
benchmarks' main jobs still do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import prefect

NAME = f"prefect-{prefect.__version__}-migrated.db"


def migrated_copy(shared: Path, dest: Path) -> Path:
    """A copy at `dest` of the migrated database kept in `shared` (made there first if it is not
    yet: by one pytest worker, the others waiting on its lock)."""
    template = shared / NAME
    with (shared / f"{NAME}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            _migrate(template)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, dest)
    return dest


def _migrate(template: Path) -> None:
    part = template.with_name(template.name + ".part")
    part.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(template.parent / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{part}",
    }
    done = subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
                          env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"migrating a Prefect database for the tests failed:\n{done.stdout}"
                           f"\n{done.stderr}")
    with contextlib.closing(sqlite3.connect(part)) as db:
        # Everything in the one file (no journal beside it), and migrated to the end.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if not db.execute("SELECT version_num FROM alembic_version").fetchall():
            raise RuntimeError(f"migrating a Prefect database for the tests left no version:\n"
                               f"{done.stdout}\n{done.stderr}")
    part.replace(template)  # whole or not at all: a worker never copies half a database
