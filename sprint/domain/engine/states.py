"""One row of the state table: where a unit stands on a duty in a period, as the run's table
and `sprint status` show it."""

from __future__ import annotations

COLUMNS = ("任务", "报送期", "报送单位", "代码", "状态", "进展", "截止", "报送时间", "依据")


def row(task: str, period: str, unit: str, code: str, state: str, progress: str = "",
        due: str = "", sent: str = "", basis: str = "") -> dict:
    return dict(zip(COLUMNS, (task, period, unit, code, state, progress, due, sent, basis),
                    strict=True))
