"""A store written when the same content of a unit was recorded once for good: its key on
(unit, sha256) becomes (unit, sha256, period), so that the same bytes sent for a new period are
that period's report. Done once, in one transaction; whoever opens the store second finds it
done."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

OLD, NEW = "one_record_per_content", "one_record_per_content_and_period"


def _old_key(bind) -> bool:
    found = inspect(bind).get_unique_constraints("submissions")
    return any(c["name"] == OLD or c["column_names"] == ["unit", "sha256"] for c in found)


def widen(engine: Engine) -> None:
    if not _old_key(engine):
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE")
            if not _old_key(conn):
                return
            conn.exec_driver_sql(f"ALTER TABLE submissions DROP CONSTRAINT {OLD}")
            conn.exec_driver_sql(f"ALTER TABLE submissions ADD CONSTRAINT {NEW}"
                                 " UNIQUE (unit, sha256, period)")
            return
        # SQLite cannot drop a constraint: the table is built again under the new key.
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'submissions'"
                                   ).scalar_one()
        if f"CONSTRAINT {OLD} UNIQUE (unit, sha256)" not in sql:
            return
        conn.exec_driver_sql("ALTER TABLE submissions RENAME TO submissions_before_periods")
        conn.exec_driver_sql(sql.replace(f"CONSTRAINT {OLD} UNIQUE (unit, sha256)",
                                         f"CONSTRAINT {NEW} UNIQUE (unit, sha256, period)"))
        conn.exec_driver_sql("INSERT INTO submissions SELECT * FROM submissions_before_periods")
        conn.exec_driver_sql("DROP TABLE submissions_before_periods")
