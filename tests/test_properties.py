"""Property: any ledger in any accepted format, however damaged, gets a verdict.

Generated ledgers (.xlsx, .xls, .csv in UTF-8, GBK, GB18030 and UTF-16) with random damage
(bytes cut or flipped, cells shifted, encodings mixed, huge declared dimensions, formulas,
empty sheets, title rows, line endings) must each be accepted cleanly or refused with a
message: never an exception out of our code, never a hang.

CI runs the bounded profile; SPRINT_HYPOTHESIS_PROFILE=long runs a longer one:

    SPRINT_HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/test_properties.py \
        --hypothesis-show-statistics
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from sprint.demo.ledgers import labor_rows, write_ledger
from sprint.domain.plan import load_plan
from sprint.reading import fence
from sprint.reading.dimensions import column_letters
from sprint.reading.ledger import NOTHING_TO_REPORT, validate_file

pytestmark = pytest.mark.integration  # hypothesis draws hundreds of damaged ledgers: ~1 min

# No explain phase: it reruns a failure hundreds of times to annotate it, a minute here.
QUICK = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow],
             phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])
settings.register_profile("ci", max_examples=250, **QUICK)
settings.register_profile("long", max_examples=3000, **QUICK)
settings.load_profile(os.environ.get("SPRINT_HYPOTHESIS_PROFILE", "ci"))

DAY = dt.date(2020, 10, 9)
PLAN = load_plan()
# Small enough that a hang is seen at once; a real ledger of these sizes takes well under 1 s.
LIMITS = PLAN.limits.model_copy(update={"reader_wall_seconds": 30, "reader_cpu_seconds": 20})
TEXT_ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16")
FORMATS = ("xlsx", "xls", *(f"csv:{e}" for e in TEXT_ENCODINGS))


@st.composite
def ledgers(draw) -> pd.DataFrame:
    frame = labor_rows("220802", draw(st.integers(0, 8)), draw(st.integers(0, 10**6)), DAY)
    frame = frame.astype(object)
    for _ in range(draw(st.integers(0, 3))):  # cells emptied, shifted, turned into formulas
        if frame.empty:
            break
        row = draw(st.integers(0, len(frame) - 1))
        col = draw(st.integers(0, len(frame.columns) - 1))
        how = draw(st.sampled_from(["empty", "shift", "formula", "number", "junk", "huge"]))
        if how == "empty":
            frame.iat[row, col] = None
        elif how == "shift":
            frame.iloc[row, col:] = [None, *frame.iloc[row, col:-1]]
        elif how == "formula":
            frame.iat[row, col] = draw(st.sampled_from(["=1/0", "=SUM(A1:A9)", "=A2&B2",
                                                        '=HYPERLINK("x")']))
        elif how == "number":
            frame.iat[row, col] = draw(st.one_of(st.integers(-10**18, 10**18),
                                                 st.floats(allow_nan=True)))
        elif how == "junk":
            frame.iat[row, col] = draw(st.text(max_size=30))
        else:
            frame.iat[row, col] = "9" * draw(st.integers(20, 400))
    if draw(st.booleans()):  # a column dropped or renamed
        frame = frame.drop(columns=[draw(st.sampled_from(list(frame.columns)))])
    return frame


def _clean(value):
    """What a spreadsheet cell can hold: no control characters XML forbids."""
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", value)
    return value


def write(frame: pd.DataFrame, fmt: str, path: Path, title: str | None, extra_sheets: int):
    frame = frame.map(_clean)
    if fmt == "xls":
        frame = frame.map(lambda v: v[:255] if isinstance(v, str) else v)  # BIFF's cell limit
        return write_ledger(frame, path.with_suffix(".xls"), title=title)
    if fmt == "xlsx":
        path = write_ledger(frame, path.with_suffix(".xlsx"), title=title)
        if extra_sheets:
            book = openpyxl.load_workbook(path)
            for i in range(extra_sheets):
                book.create_sheet(f"空{i}", 0 if i % 2 else None)
            book.save(path)
        return path
    encoding = fmt.split(":")[1]
    text = frame.to_csv(index=False)
    if title:
        text = title + "\n" + text
    path = path.with_suffix(".csv")
    path.write_bytes(text.encode(encoding, errors="replace"))
    return path


@st.composite
def damage(draw, data: bytes, fmt: str) -> bytes:
    """Damage drawn apart from the bytes (positions taken modulo their length): a workbook's
    bytes carry the time it was written, and a draw that depended on them would not replay."""
    def where(n: int) -> int:
        return draw(st.integers(0, 2**24)) % n

    for _ in range(draw(st.integers(0, 2))):
        kinds = ["cut", "flip", "insert"] + (["dimension"] * 3 if fmt == "xlsx" else
                                               ["endings", "mix"] if fmt.startswith("csv") else [])
        how = draw(st.sampled_from(kinds))
        if how == "cut":
            data = data[: where(len(data) + 1)]
        elif how == "flip":
            at, byte = where(len(data) + 1), draw(st.integers(0, 255))
            data = data[:at] + bytes([byte]) + data[at + 1:]
        elif how == "insert":
            at = where(len(data) + 1)
            data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
        elif how == "endings" and fmt.startswith("csv") and "16" not in fmt:
            end = draw(st.sampled_from([b"\r", b"\r\n", b"\n"]))
            data = re.sub(rb"\r\n|\n", end, data)
        elif how == "mix" and fmt.startswith("csv") and "16" not in fmt:
            lines = data.split(b"\n")
            at = where(len(lines))
            other = "gbk" if "utf" in fmt else "utf-8"
            lines[at] = lines[at].decode(fmt.split(":")[1].replace("-sig", ""), "replace"
                                         ).encode(other, "replace")
            data = b"\n".join(lines)
        elif how == "dimension" and fmt == "xlsx":
            data = _far(data, draw(st.integers(1, 1_048_576)), draw(st.integers(1, 16_384)),
                        draw(st.booleans()))
    return data


def _far(data: bytes, row: int, column: int, declared_only: bool) -> bytes:
    """A workbook declaring (or holding a cell at) a far corner."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = {n: z.read(n) for n in z.namelist()}
    except Exception:  # damaged before: nothing to declare in
        return data
    name = next((n for n in parts if n.startswith("xl/worksheets/sheet")), None)
    if name is None:
        return data
    ref = f"{column_letters(column)}{row}".encode()
    xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:' + ref + b'"/>', parts[name])
    if not declared_only:
        xml = xml.replace(b"</sheetData>", b'<row r="%d"><c r="%s" t="inlineStr"><is><t>x</t>'
                          b"</is></c></row></sheetData>" % (row, ref))
    parts[name] = xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return out.getvalue()


def judged(path: Path):
    """The verdict, read behind the fence as intake reads it; an exception out of our code or
    a hang fails the property with what happened."""
    answer = fence.call(validate_file, path, PLAN, "220802", DAY, limits=LIMITS)
    if isinstance(answer, fence.Raised):
        raise AssertionError(f"an exception escaped the reader:\n{answer.trace}")
    return answer


def check(verdict) -> None:
    reasons = [p.reason for p in verdict.problems]
    if verdict.accepted:
        event("accepted")
        # a header-only ledger is a report of nothing (issue 22), and says so
        assert len(verdict.ledger) > 0 or [n.reason for n in verdict.notes] == [NOTHING_TO_REPORT]
    else:
        event("refused: " + re.sub(r"[\d,]+", "N", reasons[0])[:24])
        assert reasons and all(r.strip() for r in reasons)
    # Our own safety net for a rule that raised: it must never be needed.
    assert not any(r.startswith("文件内容无法处理") for r in reasons), reasons


@given(frame=ledgers(), fmt=st.sampled_from(FORMATS), data=st.data(),
       title=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
       extra_sheets=st.integers(0, 2))
def test_any_damaged_ledger_in_any_format_gets_a_verdict(frame, fmt, data, title, extra_sheets):
    with tempfile.TemporaryDirectory() as folder:
        path = write(frame, fmt, Path(folder) / "ledger", title and _clean(title), extra_sheets)
        path.write_bytes(data.draw(damage(path.read_bytes(), fmt)))
        try:
            check(judged(path))
        except fence.Broken as e:  # the reader died: the fence refuses the file, but say so
            event(f"reader broken: {e.how}")
            assert "time" not in e.how, f"the reader hung: {e.how}"


@given(raw=st.binary(max_size=2048), suffix=st.sampled_from([".xlsx", ".xls", ".csv"]))
def test_any_bytes_under_any_name_get_a_verdict(raw, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_bytes(raw)
        try:
            check(judged(path))
        except fence.Broken as e:
            event(f"reader broken: {e.how}")
            assert "time" not in e.how, f"the reader hung: {e.how}"
