"""One meaning for a run's time, everywhere (the command line, the Prefect form, the API, the
replay): a date and time is Beijing time when it carries no zone, and a bare date means the end
of that day (当日24时)."""

from __future__ import annotations

import datetime as dt
import re

from sprint.domain.calendar import BEIJING

AS_OF_HELP = ("按此时点运行；只写日期表示当日24时（北京时间）；留空表示现在。"
              "例：2020-10-12、2020/10/12、2020年10月12日、2020-10-12 12:00、2020-10-12 12时")
EXAMPLES = "2020-10-12、2020/10/12、2020年10月12日、2020-10-12 12:00、2020-10-12 12时"
# The forms people type: 2020/10/12, 2020.10.12, 2020年10月12日, then 12:30, 12时, 12时30分, 12点.
WRITTEN = (r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
           r"(?:\s*[T\s]?\s*(\d{1,2})\s*(?:[:：时点]\s*(?:(\d{1,2})\s*(?:[:：分]\s*"
           r"(?:(\d{1,2})\s*秒?)?)?)?)?)?\s*$")
# The same, for the UI's form to refuse anything else before a run starts (ISO with a zone too).
PATTERN = (f"(?:{WRITTEN})|"
           r"(?:^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?\s*$)")


class NotAMoment(ValueError):
    """A date the reader cannot take, said in Chinese with examples."""


def parse(text: str) -> dt.date | dt.datetime:
    """A date or a date and time, as written (raises NotAMoment, a ValueError, otherwise)."""
    text = text.strip()
    try:
        if len(text) <= 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        pass
    found = re.match(WRITTEN, text)
    try:
        if found:
            y, mo, d, h, mi, sec = (int(g) if g else None for g in found.groups())
            if h is None:
                return dt.date(y, mo, d)
            return dt.datetime(y, mo, d, h, mi or 0, sec or 0)
    except ValueError:
        pass
    raise NotAMoment(f"不是有效的日期或时间：{text!r}。请这样写：{EXAMPLES}")


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
