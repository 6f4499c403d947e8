"""Where a flow's parallel steps run: here, or on a Dask cluster when one is configured."""

from __future__ import annotations

import os
import sys

from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

DASK_ADDRESS = "SPRINT_DASK_ADDRESS"


def dask_address() -> str:
    return os.environ.get(DASK_ADDRESS, "").strip()


def runner():
    """A Dask cluster's scheduler (tcp://host:8786) when SPRINT_DASK_ADDRESS names one: its
    workers take the batches. Else the batches run here one after another, each on every core
    of this machine (see `local_processes`), called in the flow's own thread (`each_batch`)."""
    if dask_address():
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:  # the option is an extra: say how to get it, not a traceback
            raise RuntimeError(f"{DASK_ADDRESS} is set but prefect-dask is not installed: "
                               "pip install -e '.[dask]'") from None
        return DaskTaskRunner(address=dask_address())
    return ThreadPoolTaskRunner(max_workers=1)


def each_batch(task, batches: list, *args) -> list:
    """`task` run on each batch: submitted to the flow run's task runner when it is a cluster's
    (its workers take them; the arguments go as they are, whole); else called here, one after
    another, as the one-thread runner ran them, without Prefect's 45 ms of handing each batch
    to a thread of its own."""
    context = FlowRunContext.get()
    if context is not None and not isinstance(context.task_runner, ThreadPoolTaskRunner):
        futures = [task.submit(batch, *args) for batch in batches]
        return [f.result() for f in futures]
    return [task(batch, *(quote(a) for a in args)) for batch in batches]


def local_processes() -> int:
    """Processes a batch uses on its machine: every core here, one on a Dask worker (the
    cluster already runs a worker per core)."""
    if dask_address() or _on_dask_worker():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _on_dask_worker() -> bool:
    """Whether this task runs on a Dask worker (whose environment may not name the cluster)."""
    if "distributed" not in sys.modules:  # a worker has it loaded; importing it costs 0.5 s
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def parallel() -> int:
    """Batches worth making: a cluster's workers, else one (it uses every core itself)."""
    if not dask_address():
        return 1
    from distributed import Client  # installed with prefect-dask

    with Client(dask_address(), timeout=10) as client:
        return max(1, sum(w["nthreads"] for w in client.scheduler_info()["workers"].values()))
