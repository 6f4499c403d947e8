"""Taking in the inbox as Prefect tasks: new files found and kept (retried on a file-system
hiccup), then each judged and recorded (sprint.services.inbox)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.services import inbox, intake
from sprint.services.context import Services
from sprint.store.store import StoreError
from tasks.run_log import log


def _io_hiccup(task, task_run, state) -> bool:
    """Retry a file-system error; a store that cannot be opened fails the run at once."""
    try:
        state.result()
    except StoreError:
        return False
    except Exception:
        return True
    return False


@task(name="collect", retries=3, retry_delay_seconds=[2, 5, 15], retry_condition_fn=_io_hiccup,
      cache_policy=NO_CACHE)
def collect(services: Services, now) -> list[tuple[intake.Arrival, str]]:
    """New files of every unit, each kept in the state folder with its SHA-256."""
    return inbox.collect(services, now, log())


@task(name="validate", cache_policy=NO_CACHE)
def validate(services: Services, kept: list[tuple[intake.Arrival, str]]) -> list[intake.Judgement]:
    """Check each new file, decide its period, record the verdict, shelve an accepted table."""
    return inbox.validate(services, kept, log())
