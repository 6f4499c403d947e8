"""The duty engine: from the plan and the store, what each run owes, as plain data."""

from sprint.engine.book import Book, Ledgers
from sprint.engine.draft import Chart, Draft, Table
from sprint.engine.owed import Owed, owed

__all__ = ["Book", "Chart", "Draft", "Ledgers", "Owed", "Table", "owed"]
