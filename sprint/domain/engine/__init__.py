"""The duty engine: from the plan and the store, what each run owes, as plain data."""

from sprint.domain.engine.book import Book, Ledgers
from sprint.domain.engine.draft import Chart, Draft, Table
from sprint.domain.engine.owed import Owed, owed

__all__ = ["Book", "Chart", "Draft", "Ledgers", "Owed", "Table", "owed"]
