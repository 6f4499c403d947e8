"""A store written under an earlier key of the submissions: the same content of a unit
recorded once for good (unit, sha256), or once per period (unit, sha256, period). Its key
becomes (unit, sha256, period, verdict), so that the same bytes sent for a new period are that
period's report, and content the lock refused can be taken under an exception. Done once, in
one transaction; whoever opens the store second finds it done."""

from __future__ import annotations

import re

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

OLDER = {"one_record_per_content": ["unit", "sha256"],
         "one_record_per_content_and_period": ["unit", "sha256", "period"]}
NEW = "one_record_per_content_period_and_verdict"
COLUMNS = "unit, sha256, period, verdict"
_OLD_SQL = re.compile(r"CONSTRAINT (one_record_per_content(?:_and_period)?) UNIQUE \(unit, "
                      r"sha256(?:, period)?\)")


def _older_key(bind) -> str | None:
    """The name of an earlier key the submissions still have, if any."""
    for c in inspect(bind).get_unique_constraints("submissions"):
        if c["name"] in OLDER or c["column_names"] in OLDER.values():
            return c["name"]
    return None


def widen(engine: Engine) -> None:
    if _older_key(engine) is None:
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE")
            old = _older_key(conn)
            if old is None:
                return
            conn.exec_driver_sql(f"ALTER TABLE submissions DROP CONSTRAINT {old}")
            conn.exec_driver_sql(f"ALTER TABLE submissions ADD CONSTRAINT {NEW} UNIQUE ({COLUMNS})")
            return
        # SQLite cannot drop a constraint: the table is built again under the new key, under
        # another name first, so that the reviews' reference to it stays as it is.
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'submissions'"
                                   ).scalar_one()
        if not _OLD_SQL.search(sql):
            return
        sql = _OLD_SQL.sub(f"CONSTRAINT {NEW} UNIQUE ({COLUMNS})", sql)
        sql = re.sub(r'^\s*CREATE TABLE\s+"?submissions"?', "CREATE TABLE submissions_rekeyed", sql)
        conn.exec_driver_sql(sql)
        conn.exec_driver_sql("INSERT INTO submissions_rekeyed SELECT * FROM submissions")
        conn.exec_driver_sql("DROP TABLE submissions")
        conn.exec_driver_sql("ALTER TABLE submissions_rekeyed RENAME TO submissions")
