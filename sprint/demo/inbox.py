"""A small hand-made inbox, the fixed input of `bench/labor_run.py` (the main job's demo inbox
is the generator's, `sprint.demo.simulate.seed_demo`): the first labor-ledger period (due
2020-10-09), and October's rectification ledgers, rosters and visits.

Seven units, seven stories: on time in .xlsx with a title row, on time in legacy .xls, on time
as GBK text, a refused file and its late correction, a late CSV, and one unit that stays silent.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from sprint.demo.ledgers import labor_rows, write_ledger
from sprint.domain.calendar import BEIJING

DAY = dt.date(2020, 10, 9)
TITLE = "{name}贫困劳动力转移就业台账（2020年9月26日至10月9日）"
# unit, rows, file name, arrival (Beijing), defect
STORIES = [
    ("220802", 800, "洮北区转移就业台账.xlsx", "2020-10-08 15:20", None),
    ("220821", 550, "镇赉县台账.xls", "2020-10-09 16:45", None),
    ("220822", 1000, "通榆县转移就业-gbk.csv", "2020-10-09 10:05", None),
    ("220881", 800, "洮南市台账.xlsx", "2020-10-09 11:30", "bad"),
    ("220881", 800, "洮南市台账（修改后）.xlsx", "2020-10-12 10:10", None),
    ("bcjk", 120, "开发区台账.csv", "2020-10-13 09:40", None),
    ("cght", 60, "查干浩特台账.xlsx", "2020-10-08 09:00", None),
]
NAMES = {"220802": "洮北区", "220821": "镇赉县", "220822": "通榆县", "220881": "洮南市",
         "bcjk": "白城经济开发区", "cght": "查干浩特旅游经济开发区"}


def _other_ledgers(inbox: Path, seed: int) -> list[tuple[Path, object, str]]:
    """A rectification ledger, a roster and a month of visits for a few counties."""
    from sprint.demo.target_rows import roster_rows, visit_rows

    rect_columns = ["问题编号", "问题来源", "问题类别", "问题描述", "责任单位", "整改措施",
                    "整改时限", "整改状态", "完成日期"]
    out = []
    for unit, prefix, overdue in (("220802", "TB", 1), ("220821", "ZL", 0), ("220822", "TY", 2)):
        items = []
        for i in range(6):
            state = "推进中" if i < overdue + 1 else "已完成"
            limit = "2020-10-20" if i < overdue else "2020-10-31"
            items.append([f"{prefix}-{i + 1:03d}", "排查发现", ["住房安全", "饮水安全", "收入"][i % 3],
                          "排查发现的问题", "乡镇政府", "按期整改", limit, state,
                          "" if state == "推进中" else "2020-10-21"])
        out.append((inbox / unit / "问题整改台账.xlsx", pd.DataFrame(items, columns=rect_columns),
                    "2020-10-23 15:00"))
        roster = roster_rows(unit, 30, seed, dt.date(2020, 10, 1))
        out.append((inbox / unit / "监测对象花名册.xlsx", roster, "2020-10-20 10:00"))
        out.append((inbox / unit / "十月入户走访记录.xlsx",
                    visit_rows(roster, 30 - 4 * overdue, overdue + 1, dt.date(2020, 10, 15), seed),
                    "2020-11-04 10:00"))
    return out


def seed(inbox: Path, seed: int = 2020) -> list[Path]:
    """Write the demo files with their arrival times as modification times; skip existing ones."""
    written = []
    for unit, count, name, arrival, defect in STORIES:
        path = inbox / unit / name
        if path.exists():
            continue
        frame = labor_rows(unit, count, seed, DAY)
        if defect == "bad":
            frame.loc[3, "身份证号"] = frame.loc[3, "身份证号"][:17] + "0"
            frame.loc[10, "身份证号"] = frame.loc[11, "身份证号"]
            frame.loc[20, "务工区域"] = "外省"
            frame.loc[30, "月收入(元)"] = -300
        title = TITLE.format(name=NAMES[unit]) if path.suffix == ".xlsx" else None
        write_ledger(frame, path, title=title)
        stamp = dt.datetime.fromisoformat(arrival).replace(tzinfo=BEIJING).timestamp()
        os.utime(path, (stamp, stamp))
        written.append(path)
    for path, frame, arrival in _other_ledgers(inbox, seed):
        if not path.exists():
            write_ledger(frame, path)
            stamp = dt.datetime.fromisoformat(arrival).replace(tzinfo=BEIJING).timestamp()
            os.utime(path, (stamp, stamp))
            written.append(path)
    (inbox / "220882").mkdir(parents=True, exist_ok=True)  # 大安市 sends nothing
    return written
