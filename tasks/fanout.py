"""Where a flow's parallel steps run: here, or on a Dask cluster when one is configured."""

from __future__ import annotations

import os

from prefect.task_runners import ThreadPoolTaskRunner

DASK_ADDRESS = "SPRINT_DASK_ADDRESS"


def runner():
    """A Dask cluster's scheduler (tcp://host:8786) when SPRINT_DASK_ADDRESS names one; else one
    step at a time in this process, which on a small machine is as fast and keeps Prefect's
    share of the run measurable."""
    address = os.environ.get(DASK_ADDRESS, "").strip()
    if address:
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:  # the option is an extra: say how to get it, not a traceback
            raise RuntimeError(f"{DASK_ADDRESS} is set but prefect-dask is not installed: "
                               "pip install -e '.[dask]'") from None
        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner(max_workers=1)
