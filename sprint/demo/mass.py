"""Labor ledgers for many units at once (a province, the nation), generated with NumPy.

The row-by-row generator of `sprint.demo` makes a city's files; at 32 million rows it would take
the better part of an hour, so this one builds whole columns at a time. Every row is valid on
`on`: real division codes' provinces, real birth dates, check digits, unique IDs per file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from sprint.demo.ledgers import COLUMNS, FORMS, GIVEN, LOCAL_FORMS, PLACES, SURNAMES
from sprint.domain.idcard import PROVINCES
from sprint.domain.plan import BUNDLED_PLAN

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_MAINLAND = sorted(p for p in PROVINCES if p < "70")
_AREAS = np.array(["省外", "省内县外", "县内"], dtype=object)
_KINDS = np.array(["未脱贫户", "已脱贫户", "边缘户"], dtype=object)
_EMPLOYERS = np.array(["", "某建筑公司", "某物流公司", "某食品厂", "村委会"], dtype=object)


@dataclass(frozen=True)
class MassUnit:
    code: str  # six-digit division code, as the IDs it issues begin
    name: str
    rows: int


def units(count: int, total_rows: int, seed: int) -> list[MassUnit]:
    """`count` county-level units spread over the mainland provinces, `total_rows` between them."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, count)
    rows = np.floor(weights / weights.sum() * total_rows).astype(int)
    rows[: total_rows - rows.sum()] += 1  # the remainder, one row each, so the total is exact
    out = []
    for i in range(count):
        province = _MAINLAND[i % len(_MAINLAND)]
        city, county = divmod(i // len(_MAINLAND), 30)
        code = f"{province}{city + 1:02d}{county + 1:02d}"
        out.append(MassUnit(code, f"{code}县", int(rows[i])))
    return out


def _ids(rng: np.random.Generator, division: str, n: int, on: dt.date) -> np.ndarray:
    """`n` distinct valid IDs of people aged 18-60 on `on`."""
    span = 41 * 365  # days between the oldest (60) and the youngest (19) birth date
    oldest = np.datetime64(on, "D") - 60 * 365
    # Birth day and sequence number drawn together without repeats, so the IDs are distinct.
    picks = rng.choice(span * 1000, size=n, replace=False)
    born = (oldest + (picks // 1000)).astype("datetime64[D]").astype(str)
    body = np.char.add(np.char.add(division, np.char.replace(born, "-", "")),
                       np.char.zfill((picks % 1000).astype(str), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = _CHECK[(digits.astype(np.int64) @ _WEIGHTS) % 11].view("S1").astype(str)
    return np.char.add(body, check)


def frame(unit: MassUnit, seed: int, on: dt.date) -> pd.DataFrame:
    """One unit's labor ledger, as text columns (the way a CSV export holds it)."""
    rng = np.random.default_rng([seed, int(unit.code)])
    n = unit.rows
    surnames = np.array(list(SURNAMES), dtype=object)
    given = np.array(list(GIVEN), dtype=object)
    names = surnames[rng.integers(0, len(surnames), n)] + given[rng.integers(0, len(given), n)]
    two = rng.random(n) < 0.5
    names[two] = names[two] + given[rng.integers(0, len(given), two.sum())]
    area = _AREAS[rng.choice(3, n, p=[0.25, 0.33, 0.42])]
    places = np.empty(n, dtype=object)
    forms = np.empty(n, dtype=object)
    for a in _AREAS:
        here = area == a
        options = np.array(PLACES[a], dtype=object)
        places[here] = options[rng.integers(0, len(options), here.sum())]
        local = np.array(LOCAL_FORMS, dtype=object)
        forms[here] = FORMS[a] or local[rng.integers(0, len(local), here.sum())]
    started = np.datetime64(on, "D") - rng.integers(10, 900, n)
    towns = np.array([f"第{i + 1}镇" for i in range(12)], dtype=object)
    villages = np.array([f"{s}家村" for s in SURNAMES[:40]], dtype=object)
    return pd.DataFrame({
        "序号": np.arange(1, n + 1).astype(str),
        "乡镇": towns[rng.integers(0, len(towns), n)],
        "村": villages[rng.integers(0, len(villages), n)],
        "姓名": names,
        "身份证号": _ids(rng, unit.code, n, on),
        "人员类别": _KINDS[rng.choice(3, n, p=[1 / 9, 6 / 9, 2 / 9])],
        "务工区域": area,
        "务工地点": places,
        "就业单位": _EMPLOYERS[rng.integers(0, len(_EMPLOYERS), n)],
        "就业形式": forms,
        "务工开始日期": np.datetime_as_string(started, unit="D"),
        "月收入(元)": (rng.integers(16, 140, n) * 50).astype(str),
        "联系电话": np.char.add("13", np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)),
    }, columns=COLUMNS)


def write(unit: MassUnit, seed: int, on: dt.date, path: Path) -> Path:
    """One unit's ledger as .csv (UTF-8, as Arrow writes it) or .xlsx (as Excel would save it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = frame(unit, seed, on)
    if path.suffix == ".csv":
        table = pa.Table.from_pandas(data, preserve_index=False)
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    else:
        data["月收入(元)"] = data["月收入(元)"].astype(int)
        data["务工开始日期"] = pd.to_datetime(data["务工开始日期"])
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            data.to_excel(writer, index=False, sheet_name="台账")
    return path


def plan_text(units_: list[MassUnit], base: Path | None = None) -> str:
    """The bundled plan with its counties replaced by `units_`: the same duties and ledgers, a
    province's or the nation's units. The figures targets hold per county are dropped, being
    Baicheng's."""
    raw = yaml.safe_load((base or BUNDLED_PLAN).read_text(encoding="utf-8"))
    counties = set(raw["groups"]["counties"])
    raw["units"] = [{"code": u.code, "name": u.name, "kind": "county",
                     "email": f"u{u.code}@example.org"} for u in units_] + [
        u for u in raw["units"] if u["code"] not in counties]
    raw["groups"] = {name: [c for c in codes if c not in counties]
                     for name, codes in raw["groups"].items()}
    raw["groups"]["counties"] = [u.code for u in units_]
    for duty in raw["duties"]:
        for target in duty.get("targets", []):
            target.pop("at_least_by_unit", None)
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
