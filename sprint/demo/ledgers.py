"""Realistic labor-transfer ledgers, deterministic from a seed, for the demo inbox and tests."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd

from sprint.domain.idcard import check_digit

TOWNS = {
    "220802": ["平台镇", "到保镇", "德顺蒙古族乡", "东风乡", "洮河镇", "林海镇"],
    "220821": ["镇赉镇", "坦途镇", "东屏镇", "黑鱼泡镇", "大屯镇"],
    "220822": ["开通镇", "瞻榆镇", "双岗镇", "兴隆山镇", "边昭镇", "向海蒙古族乡"],
    "220881": ["瓦房镇", "万宝镇", "黑水镇", "那金镇", "安定镇", "福顺镇"],
    "220882": ["安广镇", "月亮泡镇", "舍力镇", "丰收镇", "两家子镇", "太山镇"],
    "bcjk": ["幸福街道", "新华街道"],
    "cght": ["查干浩特镇", "德顺镇"],
}
# Zones register residents under the district they sit in.
DIVISION = {"bcjk": "220802", "cght": "220802"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉珍凤华春梅海波红建国志文淑琴云飞鹏宇浩凯佳欣丹萍"
VILLAGE_SUFFIX = ["村", "屯村", "家村", "岗村", "甸村"]
PLACES = {
    "省外": ["北京市朝阳区", "天津市滨海新区", "大连市甘井子区", "苏州市工业园区", "上海市嘉定区"],
    "省内县外": ["长春市绿园区", "吉林市船营区", "松原市宁江区", "白城市洮北区"],
    "县内": ["本县城区", "本乡镇"],
}
FORMS = {"省外": "外出务工", "省内县外": "外出务工", "县内": None}
LOCAL_FORMS = ["就地就近务工", "公益岗位", "扶贫车间", "自主创业"]
COLUMNS = ["序号", "乡镇", "村", "姓名", "身份证号", "人员类别", "务工区域", "务工地点",
           "就业单位", "就业形式", "务工开始日期", "月收入(元)", "联系电话"]


def make_id(rng: random.Random, division: str, on: dt.date, low: int = 18, high: int = 60) -> str:
    age_days = rng.randint(low * 366, high * 365)
    born = on - dt.timedelta(days=age_days)
    body = f"{division}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + check_digit(body)


def labor_rows(unit: str, count: int, seed: int, on: dt.date) -> pd.DataFrame:
    """`count` workers of one county, every row valid on `on`."""
    rng = random.Random(f"{seed}-{unit}")
    division = DIVISION.get(unit, unit)
    towns = TOWNS[unit]
    villages = {t: [rng.choice(SURNAMES) + rng.choice(VILLAGE_SUFFIX) for _ in range(8)] for t in towns}
    rows = []
    seen: set[str] = set()
    while len(rows) < count:
        person_id = make_id(rng, division, on)
        if person_id in seen:
            continue
        seen.add(person_id)
        area = rng.choices(["省外", "省内县外", "县内"], weights=[3, 4, 5])[0]
        town = rng.choice(towns)
        started = on - dt.timedelta(days=rng.randint(10, 900))
        rows.append({
            "序号": len(rows) + 1,
            "乡镇": town,
            "村": rng.choice(villages[town]),
            "姓名": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2]))),
            "身份证号": person_id,
            "人员类别": rng.choices(["未脱贫户", "已脱贫户", "边缘户"], weights=[1, 6, 2])[0],
            "务工区域": area,
            "务工地点": rng.choice(PLACES[area]),
            "就业单位": rng.choice(["", "某建筑公司", "某物流公司", "某食品厂", "村委会"]),
            "就业形式": FORMS[area] or rng.choice(LOCAL_FORMS),
            "务工开始日期": started,
            "月收入(元)": rng.randrange(800, 7000, 50),
            "联系电话": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def write_ledger(frame: pd.DataFrame, path: Path, title: str | None = None) -> Path:
    """Write a ledger as a county office would: .xlsx, .xls or .csv by the file's suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        encoding = "gb18030" if path.stem.endswith("gbk") else "utf-8-sig"
        text = frame.copy()
        if "务工开始日期" in text:
            text["务工开始日期"] = text["务工开始日期"].map(
                lambda v: f"{v.year}/{v.month}/{v.day}" if isinstance(v, dt.date) else v
            )
        text.to_csv(path, index=False, encoding=encoding)
    elif suffix == ".xls":
        _write_xls(frame, path, title)
    else:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            start = 1 if title else 0
            frame.to_excel(writer, index=False, startrow=start, sheet_name="台账")
            sheet = writer.sheets["台账"]
            if title:
                sheet.cell(row=1, column=1, value=title)
            for cell in sheet["E"]:
                cell.number_format = "@"
    return path


def _write_xls(frame: pd.DataFrame, path: Path, title: str | None) -> None:
    import xlwt  # loaded only for .xls, which few files are

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    top = 0
    if title:
        sheet.write(0, 0, title)
        top = 1
    for j, name in enumerate(frame.columns):
        sheet.write(top, j, name)
    for i, row in enumerate(frame.itertuples(index=False), start=top + 1):
        for j, value in enumerate(row):
            if isinstance(value, dt.date | pd.Timestamp):
                sheet.write(i, j, pd.Timestamp(value).to_pydatetime(), date_style)
            elif value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            else:
                sheet.write(i, j, value.item() if hasattr(value, "item") else value)
    book.save(str(path))
