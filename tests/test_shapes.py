"""Every shape of the same thing: what the corpus's verdicts do not show by themselves."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sprint.domain.idcard import check_digit
from sprint.reading.ledger import validate_file
from tests.factories import make_ledger

CORPUS = __import__("pathlib").Path(__file__).parent / "corpus" / "files"
DAY = dt.date(2020, 10, 9)


def born(birth: str, division: str = "220802", serial: str = "123") -> str:
    body = f"{division}{birth}{serial}"
    return body + check_digit(body)


def roster(ids: list[str]) -> pd.DataFrame:
    """The monitored-household roster: an ID column and no age rule of its own."""
    return pd.DataFrame({
        "乡镇": "到保镇", "村": "红星村", "户主姓名": [f"王{i}明" for i in range(len(ids))],
        "户主身份证号": ids, "监测类别": "边缘户", "家庭人口": 3, "纳入监测日期": "2020-03-01",
        "帮扶责任人": "李四"})


@pytest.mark.parametrize(("birth", "as_of", "reason"), [
    ("20310405", DAY, "出生日期晚于报送日期，身份证号有误"),
    ("20201010", DAY, "出生日期晚于报送日期，身份证号有误"),
    ("19010101", dt.date(2025, 6, 1), "按身份证号计算年龄为124岁，超过120岁，身份证号有误"),
], ids=["2031", "the-day-after", "aged-124"])
def test_an_impossible_birth_date_is_refused_in_every_ledger_with_an_id(
        plan, tmp_path, birth, as_of, reason):
    path = tmp_path / "roster.csv"
    roster([born("19700101"), born(birth)]).to_csv(path, index=False)
    verdict = validate_file(path, plan, "220802", as_of)
    assert verdict.template_key == "roster"
    assert [(p.row, p.column, p.reason) for p in verdict.problems] == [
        (3, "户主身份证号", reason)]


def test_a_household_head_born_today_is_no_problem_of_dates(plan, tmp_path):
    path = tmp_path / "roster.csv"
    roster([born("19700101"), born("20201009")]).to_csv(path, index=False)
    assert validate_file(path, plan, "220802", DAY).accepted


def test_quoted_line_breaks_stay_inside_their_cells(plan):
    for name in ("quoted-line-breaks.csv", "quoted-bare-cr-old-mac.csv"):
        verdict = validate_file(CORPUS / name, plan, "220802", DAY)
        assert verdict.ledger["务工地点"].iloc[2] == "长春市\r朝阳区"
        assert verdict.ledger["就业单位"].iloc[1] == "某公司\n二车间"


def test_a_ledger_over_two_sheets_is_read_whole_and_names_both(plan):
    whole = validate_file(CORPUS / "title-one-row.xlsx", plan, "220802", DAY)
    split = validate_file(CORPUS / "two-sheets-one-ledger.xlsx", plan, "220802", DAY)
    assert split.accepted and split.sheet == "一组、二组"
    assert split.ledger["身份证号"].tolist() == whole.ledger["身份证号"].tolist()


def test_the_same_person_written_two_ways_is_one_person(plan, tmp_path):
    frame = make_ledger(rows=3)
    frame.loc[2, "身份证号"] = " " + "".join(
        "０１２３４５６７８９"[int(c)] if c.isdigit() else c.lower()
        for c in frame.loc[0, "身份证号"]) + "\u3000"
    frame.to_csv(tmp_path / "a.csv", index=False)
    [first, second] = validate_file(tmp_path / "a.csv", plan, "220802", DAY).problems
    assert (first.row, second.row) == (2, 4)
    assert first.reason == second.reason == "在本文件中重复出现（第2、4行）"


def test_a_note_on_a_ledger_over_two_sheets_names_the_sheet_and_its_row(plan, tmp_path):
    first, second = make_ledger(rows=3, seed=1), make_ledger(rows=3, seed=2)
    second.loc[1, "身份证号"] = born("19400101", serial="071")  # 80 on the day: a note
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as book:
        first.to_excel(book, sheet_name="一组", index=False)
        second.to_excel(book, sheet_name="二组", index=False)
    verdict = validate_file(path, plan, "220802", DAY)
    assert verdict.accepted and verdict.sheet == "一组、二组"
    assert [(n.row, n.column, n.reason) for n in verdict.notes] == [
        (3, "身份证号", "按身份证号计算年龄为80岁，不在16至65岁之间（已接收，仅作提示："
                    "请核实是否为劳动力）（工作表“二组”）")]
