"""Settings and the store, shared by the tasks of one process."""

from __future__ import annotations

from functools import lru_cache

from sprint.settings import Settings, load_settings
from sprint.store import Store


def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=4)
def store_at(url: str) -> Store:
    return Store(url)


def store(s: Settings) -> Store:
    return store_at(s.db_url)
