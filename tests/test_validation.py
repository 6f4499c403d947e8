"""Every rule of the labor-ledger template, on real .xlsx, .xls and .csv files."""

import datetime as dt

import openpyxl
import pytest

from sprint.demo.ledgers import write_ledger
from sprint.domain.idcard import check_digit
from sprint.reading.ledger import validate_file
from tests.factories import DAY, make_ledger


def check(plan, tmp_path, frame, name="l.xlsx", unit="220802", **kw):
    path = write_ledger(frame, tmp_path / name, **kw)
    verdict = validate_file(path, plan, unit, DAY)
    return verdict, [(p.row, p.column, p.reason) for p in verdict.problems]


@pytest.mark.parametrize("name", ["good.xlsx", "good.xls", "good.csv", "good-gbk.csv"])
def test_a_valid_ledger_is_accepted_in_every_format(plan, tmp_path, name):
    frame = make_ledger(rows=30)
    verdict, problems = check(plan, tmp_path, frame, name)
    assert problems == []
    assert verdict.accepted
    assert verdict.template.name == "贫困劳动力转移就业台账"
    assert verdict.ledger["身份证号"].tolist() == frame["身份证号"].tolist()
    assert verdict.ledger["务工开始日期"].dt.date.tolist() == [
        d for d in frame["务工开始日期"]]


def test_a_title_row_above_the_header_gives_excel_row_numbers(plan, tmp_path):
    frame = make_ledger(rows=6)
    frame.loc[2, "人员类别"] = "贫困户"
    _, problems = check(plan, tmp_path, frame, "t.xlsx", title="洮北区台账")
    # title on row 1, header on row 2, data from row 3: the third data row is Excel's row 5
    assert problems == [(5, "人员类别", "应为以下之一：未脱贫户、已脱贫户、边缘户")]


def test_a_csv_title_with_a_line_break_inside_quotes_still_gives_excel_row_numbers(plan, tmp_path):
    frame = make_ledger(rows=4)
    frame.loc[2, "务工区域"] = "外省"
    path = tmp_path / "t.csv"
    path.write_text('"洮北区台账\n（2020年10月）"\n' + frame.to_csv(index=False), encoding="utf-8")
    verdict = validate_file(path, plan, "220802", DAY)
    # Excel shows the title as row 1, the header as row 2, the data from row 3.
    assert [(p.row, p.column, p.value) for p in verdict.problems] == [(5, "务工区域", "外省")]
    assert list(verdict.ledger.index) == [3, 4, 5, 6]


def test_every_field_rule_names_row_column_and_reason(plan, tmp_path):
    f = make_ledger(rows=16)
    f.loc[0, "乡镇"] = ""
    f.loc[1, "姓名"] = "李"
    f.loc[2, "身份证号"] = f.loc[2, "身份证号"][:17] + ("0" if f.loc[2, "身份证号"][17] != "0" else "1")
    f.loc[3, "身份证号"] = "220802199002301234"
    f.loc[4, "身份证号"] = f.loc[5, "身份证号"]
    f.loc[6, "务工区域"] = "外省"
    f.loc[7, "就业形式"] = "打零工"
    f.loc[8, "务工开始日期"] = dt.date(2021, 1, 1)
    f.loc[9, "务工开始日期"] = dt.date(2014, 12, 31)  # the plan sets no earliest start: taken
    f.loc[10, "月收入(元)"] = -1
    f.loc[11, "月收入(元)"] = 100001
    f.loc[12, "联系电话"] = "0436123"
    f.loc[13, "身份证号"] = "22080220100101123" + check_digit("22080220100101123")  # aged 10
    f.loc[14, "务工地点"] = None
    f = f.astype({"务工开始日期": object})
    f.loc[15, "务工开始日期"] = "2020年13月1日"
    verdict, problems = check(plan, tmp_path, f, "rules.csv")
    assert problems == [
        (2, "乡镇", "必填项为空"),
        (3, "姓名", "长度不能少于2个字"),
        (4, "身份证号", "校验码错误（可能有数字录错）"),
        (5, "身份证号", "出生日期不是真实的日期"),
        (6, "身份证号", "在本文件中重复出现（第6、7行）"),
        (7, "身份证号", "在本文件中重复出现（第6、7行）"),
        (8, "务工区域", "应为以下之一：省外、省内县外、县内"),
        (9, "就业形式", "应为以下之一：外出务工、就地就近务工、公益岗位、扶贫车间、自主创业"),
        (10, "务工开始日期", "日期不能晚于报送日期"),
        (12, "月收入(元)", "不能小于0"),
        (13, "月收入(元)", "不能大于100000"),
        (14, "联系电话", "应为11位手机号码"),
        (16, "务工地点", "必填项为空"),
        (17, "务工开始日期", "不是有效日期（应为 YYYY-MM-DD 或 YYYY/M/D）"),
    ]
    # The plan sets no age for this ledger: a worker aged 10 is a note for the unit to check,
    # not a refusal of the whole file.
    assert [(n.row, n.column, n.reason) for n in verdict.notes] == [
        (15, "身份证号", "按身份证号计算年龄为10岁，不在16至65岁之间（已接收，仅作提示：请核实是否为劳动力）")]


def test_an_age_outside_working_age_alone_does_not_refuse_a_labor_ledger(plan, tmp_path):
    f = make_ledger(rows=3)
    f.loc[1, "身份证号"] = "22080219400101123" + check_digit("22080219400101123")  # aged 80
    verdict, problems = check(plan, tmp_path, f, "old.xlsx")
    assert problems == [] and verdict.accepted
    assert [n.row for n in verdict.notes] == [3]


def test_a_missing_required_column_is_named(plan, tmp_path):
    _, problems = check(plan, tmp_path, make_ledger(rows=3).drop(columns=["务工区域"]))
    assert problems == [(1, "务工区域", "缺少必填列（请使用模板的表头）")]


def test_optional_columns_may_be_left_empty_or_absent(plan, tmp_path):
    frame = make_ledger(rows=3).drop(columns=["序号", "就业单位"])
    frame["联系电话"] = ""
    verdict, problems = check(plan, tmp_path, frame, "o.csv")
    assert problems == [] and verdict.accepted


def test_an_id_number_excel_stored_as_a_number_is_refused_with_what_to_do(plan, tmp_path):
    path = write_ledger(make_ledger(rows=2), tmp_path / "n.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["E2"].value = int(book.active["E2"].value)
    book.save(path)
    problems = validate_file(path, plan, "220802", DAY).problems
    assert [(p.row, p.column) for p in problems] == [(2, "身份证号")]
    assert "设为“文本”格式" in problems[0].reason


def test_an_id_from_another_county_is_accepted_with_a_note(plan, tmp_path):
    frame = make_ledger("220821", rows=2)  # 镇赉县 residents, sent by 洮北区
    verdict, problems = check(plan, tmp_path, frame, "x.xlsx", unit="220802")
    assert problems == [] and verdict.accepted
    assert [n.row for n in verdict.notes] == [2, 3]


def test_unknown_headers_and_unreadable_files_are_refused_for_the_whole_file(plan, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a workbook")
    empty = write_ledger(make_ledger(rows=1).iloc[0:0], tmp_path / "empty.xlsx")
    text = tmp_path / "notes.docx"
    text.write_bytes(b"PK")
    reasons = {p.name: [x.reason for x in validate_file(p, plan, "220802", DAY).problems]
               for p in (other, fake, empty, text)}
    assert reasons["other.csv"][0].startswith("无法识别台账类型")
    assert "内容却不是 Excel 工作簿" in reasons["fake.xlsx"][0]
    assert reasons["empty.xlsx"] == []  # the header alone: a report of nothing (test_figures)
    assert "不支持的文件类型" in reasons["notes.docx"][0]


def test_blank_rows_at_the_end_are_ignored(plan, tmp_path):
    path = write_ledger(make_ledger(rows=2), tmp_path / "b.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["A10"] = " "
    book.save(path)
    verdict = validate_file(path, plan, "220802", DAY)
    assert verdict.accepted and len(verdict.ledger) == 2


def test_rules_between_columns_of_the_rectification_and_visit_ledgers(plan, tmp_path):
    import pandas as pd

    rect = pd.DataFrame([
        ["P-1", "排查发现", "住房安全", "危房未改造", "某乡", "改造", "2020-10-31", "已完成", ""],
        ["P-2", "排查发现", "饮水安全", "水质不达标", "某乡", "打井", "2020-10-31", "推进中", "2020-10-01"],
        ["P-3", "督查检查", "收入", "收入偏低", "某乡", "务工", "2020-11-30", "已完成", "2020-10-02"],
    ], columns=["问题编号", "问题来源", "问题类别", "问题描述", "责任单位", "整改措施", "整改时限",
                "整改状态", "完成日期"])
    verdict, problems = check(plan, tmp_path, rect, "r.csv")
    assert verdict.template.name == "问题整改台账"
    assert problems == [(2, "完成日期", "“整改状态”为“已完成”时必填"),
                        (3, "完成日期", "仅在“整改状态”为“已完成”时填写，否则应为空")]
