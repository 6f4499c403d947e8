"""One meaning for a run's time, everywhere (the command line, the Prefect form, the API, the
replay): a date and time is Beijing time when it carries no zone, and a bare date means the end
of that day (当日24时)."""

from __future__ import annotations

import datetime as dt

from sprint.domain.calendar import BEIJING

AS_OF_HELP = "按此时点运行；只写日期表示当日24时（北京时间）；留空表示现在"


def parse(text: str) -> dt.date | dt.datetime:
    """A date or a date and time, as written (raises ValueError otherwise)."""
    text = text.strip()
    if len(text) <= 10:
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)


def moment(value: dt.date | dt.datetime | str | None) -> dt.datetime:
    """The run's clock: now when empty, the end of the day for a bare date, Beijing time for a
    date and time without a zone."""
    if value is None or value == "":
        return dt.datetime.now(BEIJING)
    if isinstance(value, str):
        value = parse(value)
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=BEIJING)
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)
