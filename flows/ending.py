"""How a duty run ends: Completed when all its mail went, Failed saying what waits."""

from __future__ import annotations

from prefect.states import Completed, Failed, State

from sprint.mailout.outbox import Delivery


def finish(delivery: Delivery, new_files: int, data=None) -> State:
    if delivery.problems:
        return Failed(message=f"{len(delivery.deferred)} message(s) wait for the next run, "
                              f"{len(delivery.failed)} failed for good, {len(delivery.refused)} "
                              f"partly refused, {len(delivery.in_doubt)} in doubt: see the "
                              "run's artifact")
    return Completed(message=f"{new_files} new file(s), {len(delivery.sent)} message(s) sent",
                     data=data)
