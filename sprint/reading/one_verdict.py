"""One file, one verdict: whatever happens while a file is read and checked, that file is
refused with a reason, and the run goes on with the others.

The reading runs behind the fence (sprint/reading/fence.py). An exception no rule foresaw becomes a
refusal that names its kind for the operator; its traceback goes to the log only, with any ID
number in it masked.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from sprint.domain.plan import Plan
from sprint.domain.records import Problem
from sprint.reading import fence
from sprint.reading.ledger import Verdict, validate_file

BROKEN = "文件结构异常，无法读取（超出内存/时间限制）"
ADVICE = "：请用 Excel 打开后删去空白和无关的行列，“另存为” .xlsx 再提交"
_ID = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
log = logging.getLogger("sprint")


def validate_fenced(path: Path, plan: Plan, unit: str | None, as_of: dt.date) -> Verdict:
    """`validate_file` behind the fence; never raises for anything the file holds."""
    return next(validate_each([(path, unit, as_of)], plan))


def validate_each(files: Iterable[tuple[Path, str | None, dt.date]], plan: Plan
                  ) -> Iterator[Verdict]:
    """Each (path, unit, as-of) validated behind the fence, in one child for all of them, each
    verdict as it comes; never raises for anything a file holds."""
    files = list(files)
    calls = ((path, plan, unit, as_of) for path, unit, as_of in files)
    for (path, _, _), answer in zip(files, fence.calls(validate_file, calls, plan.limits),
                                    strict=True):
        if isinstance(answer, fence.Broken):
            log.warning("%s: refused, its reader failed: %s", path.name, answer.how)
            yield refusal(BROKEN + ADVICE, f"reader {answer.how}")
        elif isinstance(answer, fence.Raised):
            yield raised(path, answer, plan.unit(plan.operator).name)
        else:
            yield answer


def raised(path: Path, error: fence.Raised, contact: str) -> Verdict:
    """`contact`: who to ask, the plan's operator by name."""
    log.error("%s: refused, reading it raised %s\n%s", path.name, error.kind, masked(error.trace))
    return refusal(f"文件内容无法处理（程序错误 {error.kind}，已记录，请联系{contact}），"
                   "也可用 Excel 另存为 .xlsx 后重新提交", error.kind)


def refusal(reason: str, failure: str) -> Verdict:
    return Verdict(problems=[Problem(None, "", "", reason)], failure=failure)


def masked(text: str) -> str:
    """ID numbers in a log line shown as their first 6 and last 4 characters."""
    return _ID.sub(lambda m: m.group(1) + "********" + m.group(2), text)
