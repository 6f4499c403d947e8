"""Builds the corpus of awkward files and the verdict each must get.

    .venv/bin/pip install msoffcrypto-tool   # only to write the password-protected file
    .venv/bin/python -m tests.corpus.build

Writes tests/corpus/files/* and tests/corpus/verdicts.yaml. The files are committed, so the
tests read real files as a county office would send them; rerun this only to change the corpus.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from sprint.demo.ledgers import labor_rows, write_ledger
from sprint.domain.idcard import check_digit

HERE = Path(__file__).parent
FILES = HERE / "files"
DAY = dt.date(2020, 10, 9)
CASES: list[dict] = []


def base(rows: int = 6, unit: str = "220802") -> pd.DataFrame:
    return labor_rows(unit, rows, 11, DAY)


def case(name: str, accepted: bool, what: str, problems=None, rows: int | None = None,
         message: str | None = None):
    """Record the verdict a file must get: accepted with its row count, or refused with each
    (row, column, reason fragment), or with one message for the whole file."""
    entry = {"file": name, "what": what, "accepted": accepted}
    if rows is not None:
        entry["rows"] = rows
    if problems:
        entry["problems"] = [list(p) for p in problems]
    if message:
        entry["message"] = message
    CASES.append(entry)
    return FILES / name


def xlsx(frame: pd.DataFrame, path: Path, **kw) -> Path:
    return write_ledger(frame, path, **kw)


def edit(path: Path, change) -> Path:
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def id_ending_in_x(division: str = "220802") -> str:
    for n in range(1000):
        body = f"{division}19880512{n:03d}"
        if check_digit(body) == "X":
            return body + "X"
    raise AssertionError


def build() -> None:
    shutil.rmtree(FILES, ignore_errors=True)
    FILES.mkdir(parents=True)
    text_cases()
    layout_cases()
    value_cases()
    column_cases()
    empty_and_sheet_cases()
    bad_file_cases()
    line_ending_cases()
    several_sheet_cases()
    id_and_age_cases()
    size_and_encoding_cases()
    (HERE / "verdicts.yaml").write_text(
        "# Written by tests/corpus/build.py: each file and the verdict it must get.\n"
        + yaml.safe_dump(CASES, allow_unicode=True, sort_keys=False, width=120),
        encoding="utf-8",
    )
    print(f"{len(CASES)} files in {FILES}")


def text_cases() -> None:
    f = base()
    f.to_csv(case("utf8-no-bom.csv", True, "UTF-8 text without BOM", rows=6), index=False,
             encoding="utf-8")
    f.to_csv(case("utf8-bom.csv", True, "UTF-8 with BOM, as Excel saves CSV", rows=6),
             index=False, encoding="utf-8-sig")
    f.to_csv(case("gbk.csv", True, "GBK, as Chinese Windows saves CSV", rows=6), index=False,
             encoding="gbk")
    rare = f.copy()
    rare.loc[0, "姓名"] = "王㐀"  # U+3400: in GB18030, not in GBK
    rare.to_csv(case("gb18030.csv", True, "GB18030 with a character GBK lacks", rows=6),
                index=False, encoding="gb18030")
    f.to_csv(case("utf16-tab.txt", True, "Excel 'Unicode text': UTF-16, tab-separated", rows=6),
             index=False, sep="\t", encoding="utf-16")
    f.to_csv(case("semicolon.csv", True, "semicolon-separated", rows=6), index=False, sep=";",
             encoding="utf-8")
    case("binary.csv", False, "binary junk named .csv", message="编码无法识别").write_bytes(
        bytes(range(128, 256)) * 40)


def layout_cases() -> None:
    f = base()
    xlsx(f, case("title-one-row.xlsx", True, "a title row above the header", rows=6),
         title="洮北区贫困劳动力转移就业台账")

    def two_titles(book):
        sheet = book.active
        sheet.insert_rows(1, amount=2)
        sheet["A1"] = "附件2"
        sheet["A2"] = "洮北区贫困劳动力转移就业台账"
        sheet.merge_cells("A2:M2")

    edit(xlsx(f, case("title-two-rows-merged.xlsx", True, "two title rows, one merged",
                      rows=6)), two_titles)

    def grouped(book):
        sheet = book.active
        sheet.insert_rows(1)
        for col in "ABCDEF":
            sheet[f"{col}1"] = sheet[f"{col}2"].value
            sheet[f"{col}2"] = None
            sheet.merge_cells(f"{col}1:{col}2")
        sheet["G1"] = "务工信息"
        sheet.merge_cells("G1:L1")
        sheet["M1"] = "联系电话"
        sheet["M2"] = None
        sheet.merge_cells("M1:M2")

    edit(xlsx(f, case("header-merged-two-rows.xlsx", True,
                      "a two-row header: group cells merged over the column names", rows=6)),
         grouped)
    messy = f.rename(columns={"姓名": " 姓 名 ", "月收入(元)": "月收入（元）",
                              "务工开始日期": "务工开始\n日期", "身份证号": "身份证号\u3000"})
    xlsx(messy, case("header-messy-names.xlsx", True,
                     "header names with spaces, full-width brackets, a line break", rows=6))
    total = pd.concat([f, pd.DataFrame([{"序号": "合计", "月收入(元)": f["月收入(元)"].sum()}])])
    xlsx(total, case("total-row.xlsx", True, "a 合计 row under the data", rows=6))

    def gap(book):
        book.active.insert_rows(4, amount=2)

    edit(xlsx(f, case("blank-rows-inside.xlsx", True, "blank rows between data rows", rows=6)), gap)
    write_ledger(f, case("legacy.xls", True, "legacy .xls (Excel 97-2003)", rows=6))
    write_ledger(f, case("legacy-title.xls", True, "legacy .xls with a title row", rows=6),
                 title="镇赉县台账")


def value_cases() -> None:
    f = base()
    text = f.astype({"序号": str, "月收入(元)": str})
    text["月收入(元)"] = text["月收入(元)"].map(lambda v: f"{int(v):,}")
    xlsx(text, case("numbers-as-text.xlsx", True, "numbers stored as text, with thousands commas",
                    rows=6))

    def as_number(book):
        book.active["E2"].value = int(book.active["E2"].value)
        book.active["E3"].value = float(book.active["E3"].value)

    edit(xlsx(f, case("id-as-number.xlsx", False, "ID numbers Excel turned into numbers",
                      problems=[(2, "身份证号", "设为“文本”格式"), (3, "身份证号", "设为“文本”格式")])),
         as_number)
    sci = f.copy()
    sci.loc[0, "身份证号"] = "2.20802E+17"
    sci.to_csv(case("id-scientific.csv", False, "an ID in scientific notation, as Excel saves it",
                    problems=[(2, "身份证号", "设为“文本”格式")]), index=False, encoding="utf-8-sig")
    wide = f.copy()
    wide["身份证号"] = wide["身份证号"].map(lambda s: s.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    xlsx(wide, case("id-full-width.xlsx", True, "full-width digits in ID numbers", rows=6))
    lower = f.copy()
    lower.loc[0, "身份证号"] = id_ending_in_x().lower()
    lower.loc[1, "身份证号"] = " " + lower.loc[1, "身份证号"][:6] + " " + lower.loc[1, "身份证号"][6:] + " "
    lower.to_csv(case("id-lowercase-x-and-spaces.csv", True,
                      "a lowercase x and spaces inside ID numbers", rows=6), index=False)
    serial = f.copy()
    serial["务工开始日期"] = (pd.to_datetime(serial["务工开始日期"]) - pd.Timestamp("1899-12-30")).dt.days
    xlsx(serial, case("dates-excel-serial.xlsx", True, "dates as bare Excel serial numbers", rows=6))
    forms = f.astype({"务工开始日期": object})
    for i, fmt in enumerate(["{y}年{m}月{d}日", "{y}.{m}.{d}", "{y}{m:02d}{d:02d}", "{y}/{m}/{d}",
                             "{y}-{m:02d}-{d:02d}", "{y} 年 {m} 月 {d} 日"]):
        d = f.loc[i, "务工开始日期"]
        forms.loc[i, "务工开始日期"] = fmt.format(y=d.year, m=d.month, d=d.day)
    xlsx(forms, case("dates-chinese-text.xlsx", True, "dates as text in common Chinese forms",
                     rows=6))
    future = f.copy()
    future.loc[2, "务工开始日期"] = dt.date(2020, 12, 1)
    xlsx(future, case("dates-future.xlsx", False, "a start date after the submission date",
                      problems=[(4, "务工开始日期", "不能晚于报送日期")]))
    garbage = f.astype({"务工开始日期": object})
    garbage.loc[1, "务工开始日期"] = "去年三月"
    garbage.to_csv(case("dates-garbage.csv", False, "a date nobody can read",
                        problems=[(3, "务工开始日期", "不是有效日期")]), index=False)
    path = xlsx(f, case("formula-cells.xlsx", True, "formula cells with cached values", rows=6))
    _formulas_with_values(path)
    enum = f.copy()
    enum.loc[0, "人员类别"] = "贫困户"
    enum.loc[4, "就业形式"] = "打工"
    xlsx(enum, case("wrong-enum.xlsx", False, "values outside the allowed lists",
                    problems=[(2, "人员类别", "应为以下之一"), (6, "就业形式", "应为以下之一")]))
    dup = f.copy()
    dup.loc[5, "身份证号"] = dup.loc[0, "身份证号"]
    xlsx(dup, case("duplicate-ids.xlsx", False, "the same person twice",
                   problems=[(2, "身份证号", "第2、7行"), (7, "身份证号", "第2、7行")]))
    evil = f.copy()
    evil.loc[0, "就业单位"] = '=HYPERLINK("http://evil.test","点我")'
    evil.loc[1, "务工地点"] = "<script>alert(1)</script>"
    xlsx(evil, case("hostile-cells.xlsx", True, "a formula and HTML in text cells (kept, "
                    "neutralised when we write them)", rows=6))


def _formulas_with_values(path: Path) -> None:
    """Turn 月收入 into formulas that carry their cached result, as Excel saves them."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    xml = parts[sheet].decode("utf-8")

    def formula(m: re.Match) -> str:
        value = m.group(2)
        return f'<c r="{m.group(1)}"><f>{value}-0</f><v>{value}</v></c>'

    xml = re.sub(r'<c r="(L\d+)" t="n"><v>([\d.]+)</v></c>', formula, xml)
    xml = re.sub(r'<c r="(L\d+)"><v>([\d.]+)</v></c>', formula, xml)
    assert "<f>" in xml
    parts[sheet] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def column_cases() -> None:
    f = base()
    extra = f.assign(备注="无", 家庭住址="某村某组")
    xlsx(extra, case("extra-columns.xlsx", True, "extra columns, ignored", rows=6))
    xlsx(f.drop(columns=["务工区域"]), case("missing-column.xlsx", False, "a required column missing",
                                          problems=[(1, "务工区域", "缺少必填列")]))
    xlsx(f.drop(columns=["务工区域", "就业形式"]),
         case("missing-two-columns.xlsx", False, "two required columns missing",
              problems=[(1, "务工区域", "缺少必填列"), (1, "就业形式", "缺少必填列")]))
    xlsx(f[list(reversed(f.columns))], case("columns-reordered.xlsx", True, "columns in another order",
                                            rows=6))
    f.drop(columns=["序号", "就业单位", "联系电话"]).to_csv(
        case("optional-columns-absent.csv", True, "optional columns left out", rows=6), index=False)


def empty_and_sheet_cases() -> None:
    f = base()
    case("empty.csv", False, "an empty file (0 bytes)", message="文件为空").write_bytes(b"")
    openpyxl.Workbook().save(case("empty-workbook.xlsx", False, "a workbook with no cells",
                                  message="无法识别台账类型"))
    xlsx(f.iloc[0:0], case("header-only.xlsx", False, "the header and no rows",
                           message="没有数据行"))
    f.iloc[0:0].to_csv(case("header-only.csv", False, "the header and no rows, as text",
                            message="没有数据行"), index=False)

    def sheets(book):
        notes = book.create_sheet("填表说明", 0)
        notes["A1"] = "请按模板填写，身份证号列设为文本格式。"
        old = book.create_sheet("上期（隐藏）")
        old.append(["序号", "乡镇", "村", "姓名", "身份证号", "人员类别", "务工区域", "务工地点",
                    "就业单位", "就业形式", "务工开始日期", "月收入(元)", "联系电话"] * 1)
        old.append([1, "x", "y", "z", "bad", "bad", "bad"])
        old.sheet_state = "hidden"

    edit(xlsx(f, case("several-sheets-and-a-hidden-one.xlsx", True,
                      "notes first, the ledger second, an old ledger hidden", rows=6)), sheets)

    def hide(book):
        book.create_sheet("说明", 0)["A1"] = "见下一工作表"
        book["台账"].sheet_state = "hidden"

    edit(xlsx(f, case("ledger-only-hidden.xlsx", False, "the ledger only on a hidden sheet",
                      message="隐藏的工作表")), hide)


def bad_file_cases() -> None:
    f = base()
    f.to_csv(case("csv-named-xlsx.xlsx", False, "a CSV file renamed .xlsx",
                  message="内容却不是 Excel 工作簿"), index=False)
    case("html-named-xls.xls", False, "an HTML table saved as .xls, as web systems export",
         message="网页（HTML/XML）格式").write_text(
        "<html><body><table><tr><td>序号</td><td>姓名</td></tr></table></body></html>",
        encoding="utf-8")
    case("pdf-named-xlsx.xlsx", False, "a PDF renamed .xlsx",
         message="内容却不是 Excel 工作簿").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 300)
    good = xlsx(f, FILES / "_plain.xlsx")
    data = good.read_bytes()
    good.unlink()
    case("truncated.xlsx", False, "half of a workbook (an interrupted copy)",
         message="已损坏").write_bytes(data[: len(data) // 2])
    case("xlsx-named-xls.xls", False, "an .xlsx renamed .xls",
         message="扩展名改为 .xlsx").write_bytes(data)
    _encrypted(data, case("password.xlsx", False, "a password-protected workbook",
                          message="设置了打开密码"))
    _zip_bomb(case("zip-bomb.xlsx", False, "a small file that unpacks to 320 MB",
                   message="解压后超过"))
    case("notes.docx", False, "a Word file", message="不支持的文件类型").write_bytes(b"PK\x03\x04")


def _encrypted(plain: bytes, path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("1234", out)
    path.write_bytes(out.getvalue())


def _zip_bomb(path: Path) -> None:
    row = ('<row><c t="inlineStr"><is><t>0</t></is></c></row>' * 1000).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(320 * 1024 * 1024 // len(row) + 1):
                sheet.write(row)


def _csv_text(frame: pd.DataFrame, end: str = "\n", sep: str = ",") -> str:
    """A ledger as CSV text, every cell quoted where it holds a quote, a separator or a line
    break of any kind (pandas leaves a bare CR unquoted)."""
    def cell(v) -> str:
        v = "" if pd.isna(v) else str(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in f'"{sep}\r\n') else v
    return "".join(sep.join(cell(v) for v in row) + end
                   for row in [list(frame.columns), *frame.itertuples(index=False)])


def line_ending_cases() -> None:
    f = base()
    lines = _csv_text(f).split("\n")
    case("line-endings-cr.csv", True, "old Mac line endings (CR only)", rows=6).write_text(
        _csv_text(f, "\r"), encoding="utf-8", newline="")
    mixed = "\r\n".join(lines[:3]) + "\r\n" + "\r".join(lines[3:5]) + "\r" + "\n".join(lines[5:])
    case("line-endings-mixed.csv", True, "CRLF, CR and LF line endings in one file",
         rows=6).write_text(mixed, encoding="utf-8", newline="")
    broken = f.copy()
    broken.loc[1, "就业单位"] = "某公司\n二车间"
    broken.loc[2, "务工地点"] = "长春市\r朝阳区"
    broken.loc[3, "就业单位"] = "某厂\r\n一班"
    case("quoted-line-breaks.csv", True, "quoted cells holding LF, CRLF and a bare CR, in a CRLF "
         "file", rows=6).write_text(_csv_text(broken, "\r\n"), encoding="utf-8", newline="")
    case("quoted-bare-cr-old-mac.csv", True, "CR line endings and a quoted cell holding a bare "
         "CR", rows=6).write_text(_csv_text(broken, "\r"), encoding="gbk", newline="")
    case("title-then-semicolons.csv", True, "a title row above a semicolon-separated table",
         rows=6).write_text("洮北区贫困劳动力转移就业台账\n" + _csv_text(f, sep=";"),
                            encoding="utf-8", newline="")
    case("title-wide-tab.txt", True, "a title row as wide as the sheet (30 tabs) above a "
         "tab-separated table", rows=6).write_text(
        "洮北区台账" + "\t" * 30 + "\n" + _csv_text(f, sep="\t"), encoding="utf-16")

    def notes_above(book):
        book.active.insert_rows(1, amount=14)
        for i in range(1, 15):
            book.active[f"A{i}"] = f"填表说明第{i}条"

    edit(xlsx(f, case("header-at-row-15.xlsx", True, "fourteen rows of notes above the header",
                      rows=6)), notes_above)


def _split(book, second: str = "二组", at: int = 4, header: list | None = None):
    """Rows from `at` on moved to a second visible sheet under the same (or another) header."""
    first = book.active
    first.title = "一组"
    other = book.create_sheet(second)
    other.append(header or [c.value for c in first[1]])
    for row in first.iter_rows(min_row=at, values_only=True):
        other.append(row)
    first.delete_rows(at, first.max_row)


def several_sheet_cases() -> None:
    f = base()
    edit(xlsx(f, case("two-sheets-one-ledger.xlsx", True, "one ledger over two visible sheets "
                      "with the same header", rows=6)), _split)
    bad = f.copy()
    bad.loc[4, "人员类别"] = "贫困户"  # the second sheet's second row
    edit(xlsx(bad, case("two-sheets-a-problem-on-the-second.xlsx", False, "a wrong value on "
                        "the second sheet: named with its sheet",
                        problems=[(4, "人员类别", "（工作表“二组”）")])), _split)
    dup = f.copy()
    dup.loc[5, "身份证号"] = dup.loc[0, "身份证号"]
    edit(xlsx(dup, case("two-sheets-same-person-twice.xlsx", False, "the same ID on both "
                        "sheets", problems=[(2, "身份证号", "工作表“一组”第2行、工作表“二组”第5行"),
                                            (5, "身份证号", "（工作表“二组”）")])), _split)
    roster = ["乡镇", "村", "户主姓名", "户主身份证号", "监测类别", "家庭人口", "纳入监测日期",
              "帮扶责任人"]

    def other_ledger(book):
        book.create_sheet("花名册").append(roster)
        book["花名册"].append(["到保镇", "红星村", "王大", f.loc[0, "身份证号"], "边缘户", 3,
                               "2020-03-01", "李四"])

    edit(xlsx(f, case("second-sheet-another-ledger.xlsx", False, "another ledger on a second "
                      "visible sheet: named, not dropped silently",
                      message="工作表“花名册”的表头与工作表“台账”的台账不同")), other_ledger)


def id_and_age_cases() -> None:
    f = base()
    same = f.copy()
    one, two = same.loc[0, "身份证号"], id_ending_in_x()
    same.loc[0, "身份证号"] = two.lower()
    same.loc[2, "身份证号"] = two[:6] + " " + two[6:]
    same.loc[3, "身份证号"] = "'" + one
    same.loc[5, "身份证号"] = one.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    same.to_csv(case("id-same-person-written-differently.csv", False, "the same IDs written "
                     "with x and X, a space, a leading apostrophe, full-width digits",
                     problems=[(2, "身份证号", "第2、4行"), (4, "身份证号", "第2、4行"),
                               (5, "身份证号", "第5、7行"), (7, "身份证号", "第5、7行")]),
                index=False)
    quoted = f.copy()
    quoted["身份证号"] = "'" + quoted["身份证号"]
    quoted.to_csv(case("id-leading-apostrophe.csv", True, "every ID with Excel's leading "
                       "apostrophe, as some systems export", rows=6), index=False)
    ages = f.copy()
    ages.loc[1, "身份证号"] = _id_born("20310405")
    xlsx(ages, case("born-in-2031.xlsx", False, "a worker born in 2031 (an age over 120 cannot "
                    "be written before 2021: the year must be 1900 or later)",
                    problems=[(3, "身份证号", "出生日期晚于报送日期")]))


def _id_born(birth: str, division: str = "220802") -> str:
    body = f"{division}{birth}123"
    return body + check_digit(body)


def size_and_encoding_cases() -> None:
    from tests.poison import far_cell_xls, far_cell_xlsx

    far_cell_xlsx(case("far-cell.xlsx", False, "a 5 KB workbook with one cell at XFD1048576 "
                       "(its reader would ask for 550 GB and abort)",
                       message="1,048,576 行，超过上限"))
    far_cell_xls(case("far-cell.xls", False, "a legacy sheet with a cell at IV65536",
                      message="65,536 行 × 256 列，超过上限"))

    def far_cell(book):
        book.active["XFD1048576"] = "x"

    path = edit(xlsx(base(), case("far-cell-dimension-lies.xlsx", False, "a far cell under a "
                                  "dimension that claims A1:M7", message="超过上限")), far_cell)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:M7"/>', parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    text = _csv_text(base()).replace("身份证号", "身份證號").replace("姓名", "姓名")
    case("big5.csv", False, "Big5, as Taiwan's and Hong Kong's Windows save text",
         message="编码无法识别").write_bytes(text.encode("big5", errors="replace"))
    case("shift-jis.csv", False, "Shift-JIS, as Japanese Windows saves text",
         message="编码无法识别").write_bytes(text.encode("shift_jis", errors="replace"))


if __name__ == "__main__":
    build()
