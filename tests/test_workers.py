"""Two workers on one work pool share a deployment's runs, and no run is executed twice.

The Prefect server is on PostgreSQL (tests/pg.py); each worker is `prefect worker start`, as on
another machine, and runs each flow run in a process of its own.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest_plugins = ["tests.pg"]
pytestmark = pytest.mark.integration

TESTS = Path(__file__).resolve().parent
POOL = "share"
RUNS = 10


def start_worker(server, name: str, root: Path, pool: str = POOL) -> subprocess.Popen:
    env = server.env | {
        "PREFECT_HOME": str(root / name),
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # poll often, so the test waits little
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
    }
    with (root / f"{name}.log").open("wb") as out:
        # At most half the runs at a time each: a worker at its limit leaves the rest to the other.
        return subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start",
                                 "--pool", pool, "--name", name, "--limit", str(RUNS // 2)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)


def process_pool(client, name: str) -> None:
    """A process work pool of that name on the client's server (the one there is kept)."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    try:
        client.create_work_pool(WorkPoolCreate(
            name=name, type="process",
            base_job_template=ProcessWorker.get_default_base_job_template()))
    except ObjectAlreadyExists:
        pass


def wait_for(check, seconds: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(1)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs)
    pytest.fail(f"{what} within {seconds:.0f} s\n{tails}")


def test_two_workers_share_the_runs_and_run_each_once(prefect_pg, tmp_path):
    from prefect import flow, get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from tests.pg import stop

    ledger = tmp_path / "executions.txt"
    with get_client(sync_client=True) as client:
        process_pool(client, POOL)
    deployment_id = flow.from_source(str(TESTS), "workers_flow.py:record_run").deploy(
        "share-check", work_pool_name=POOL, parameters={"ledger": str(ledger)},
        build=False, push=False, print_next_steps=False, ignore_warnings=True)

    workers = {}
    try:
        for name in ("worker-a", "worker-b"):
            workers[name] = start_worker(prefect_pg, name, tmp_path)
        logs = [tmp_path / f"{n}.log" for n in workers] + [prefect_pg.log]
        with get_client(sync_client=True) as client:
            # Both workers are polling before the runs exist, so either may take any of them.
            wait_for(lambda: len(client.read_workers_for_work_pool(POOL)) == 2, 90,
                     "the two workers did not both report to the server", logs)
            created = {client.create_flow_run_from_deployment(deployment_id).id
                       for _ in range(RUNS)}
            of_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))

            def all_final():
                runs = client.read_flow_runs(deployment_filter=of_deployment)
                return runs if all(r.state.is_final() for r in runs) else None

            runs = wait_for(all_final, 240, "not every run ended", logs)
    finally:
        for process in workers.values():
            stop(process)

    assert {r.id for r in runs} == created
    assert all(r.state.is_completed() for r in runs), [(r.name, r.state) for r in runs]
    assert {r.run_count for r in runs} == {1}
    executions = [line.split() for line in ledger.read_text().splitlines()]
    assert sorted(run_id for run_id, _, _ in executions) == sorted(map(str, created))
    # Each run's process is a child of the worker that took it; each worker took some.
    by_worker = {name: sum(int(parent) == p.pid for _, _, parent in executions)
                 for name, p in workers.items()}
    assert sum(by_worker.values()) == RUNS and all(by_worker.values()), by_worker
