"""Settings and the store, shared by the tasks of one process."""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from prefect import get_run_logger
from prefect.exceptions import MissingContextError

from sprint.settings import Settings, load_settings
from sprint.store import Store


def settings() -> Settings:
    """The settings, parsed again only when a SPRINT_ variable changes."""
    return _settings_for(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("SPRINT_"))))


@lru_cache(maxsize=8)
def _settings_for(environment: tuple) -> Settings:
    return load_settings()


@lru_cache(maxsize=4)
def store_at(url: str) -> Store:
    return Store(url)


def store(s: Settings) -> Store:
    return store_at(s.db_url)


def log() -> logging.Logger | logging.LoggerAdapter:
    """The run's logger in a flow run; a plain one when a replay calls the tasks directly."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("sprint")
