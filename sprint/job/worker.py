"""The main job's worker: Prefect's process worker, each run of which starts through the warm
server (sprint/job/warm.py) by this worker's own Python. Set here, per worker, not on the work
pool: a worker on another machine (`prefect worker start --pool sprint`, README "Scaling out")
has its Python elsewhere and starts its runs as Prefect does.

    python -m sprint.job.worker --pool sprint --name NAME
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from prefect.settings import PREFECT_WORKER_HEARTBEAT_SECONDS, PREFECT_WORKER_PREFETCH_SECONDS
from prefect.utilities.processutils import command_to_string
from prefect.workers.process import ProcessJobConfiguration, ProcessWorker

LAUNCH = command_to_string([sys.executable, "-m", "sprint.job.warm_launch"])


class WarmConfiguration(ProcessJobConfiguration):
    def prepare_for_flow_run(self, *args, **kwargs) -> None:
        super().prepare_for_flow_run(*args, **kwargs)
        if not self._command_configured:  # a command a deployment sets is its own
            self.command = LAUNCH
            self._command_configured = True


class WarmWorker(ProcessWorker):
    job_configuration = WarmConfiguration


async def _serve(pool: str, name: str) -> None:
    worker = WarmWorker(name=name, work_pool_name=pool,
                        prefetch_seconds=PREFECT_WORKER_PREFETCH_SECONDS.value(),
                        heartbeat_interval_seconds=int(PREFECT_WORKER_HEARTBEAT_SECONDS.value()))
    task = asyncio.current_task()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, task.cancel)
    try:
        await worker.start(printer=print)
    except asyncio.CancelledError:
        print(f"Worker {name!r} stopped!", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m sprint.job.worker")
    parser.add_argument("--pool", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    asyncio.run(_serve(args.pool, args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
