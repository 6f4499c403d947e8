"""Every figure as the seed plan states it: exact arithmetic at a threshold, each figure over the
set the plan names, and no limit or baseline the plan did not give (issue 22).

The numbers in each test are worked by hand from the plan's words, quoted in the docstrings
(`sprint/plans/baicheng-2020.source.txt`). Domain tests: the bundled plan, plain frames.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from sprint.demo.ledgers import make_id
from sprint.domain.engine.book import UNIT_COLUMN
from sprint.domain.engine.targets import evaluate
from sprint.domain.plan import load_plan
from sprint.reading.ledger import validate_file

ON = dt.date(2020, 10, 30)


@pytest.fixture(scope="module")
def plan():
    return load_plan()


def target(plan, duty_id, target_id):
    return next(t for t in plan.duty(duty_id).targets if t.id == target_id)


def solar(unit, villages):
    return pd.DataFrame([{UNIT_COLUMN: unit, "村": v, "光伏收益(元)": income,
                          "公益岗位工资(元)": wages, "村级公益事业劳务支出(元)": labor,
                          "其他支出(元)": 0.0} for v, income, wages, labor in villages])


def one(plan, duty_id, target_id, ledger, unit):
    [r] = [r for r in evaluate(plan, target(plan, duty_id, target_id), ledger, [unit], {unit}, ON)
           if r.unit == unit]
    return r


def test_a_village_exactly_at_80_percent_meets_80_percent_or_more(plan):
    """Clause 6②: "落实好光伏扶贫收益80%以上用于公益岗位工资及村级公益事业劳务支出".

    通榆县's 乙村: 9,876.56 元 of 12,345.70 元. By hand: 12,345.70 × 0.8 = 9,876.56, exactly
    80 %, and "80%以上" includes 80 %: met. (As floats, 9876.56 / 12345.7 = 0.7999999…, which a
    float comparison calls short, "差0.0个百分点".) 甲村 7,996 of 10,000 = 79.96 %: short by
    0.04 points; shown as 79.9 % (never rounded up to the line it misses), 差0.1个百分点.
    """
    ledger = solar("220822", [("乙村", 12345.70, 9000.00, 876.56)])
    r = one(plan, "solar-income", "solar-to-wages", ledger, "220822")
    assert r.met is True and r.verdict == "达标"
    assert r.formula == ("公益岗位工资及村级公益事业劳务支出 9,876.56 元 ÷ 光伏收益 12,345.70 元"
                         " = 80.0%")

    ledger = solar("220822", [("乙村", 12345.70, 9876.56, 0), ("甲村", 10000, 7996, 0)])
    r = one(plan, "solar-income", "solar-to-wages", ledger, "220822")
    assert r.met is False
    assert r.verdict == "未达标：甲村 79.9%"
    [short] = r.parts
    assert short.verdict == "低于80%，差0.1个百分点"
    assert "差0.0" not in short.verdict


def test_a_village_over_100_percent_is_a_data_problem_named_to_its_unit(plan):
    """Clause 6②: "光伏扶贫收益80%以上用于公益岗位工资及村级公益事业劳务支出": the wages are a
    part of the income. 洮南市's 丙村 reports 12,000 元 of wages out of 10,000 元 of income:
    120 %, which no village can spend of its income. It is not "met": the summary names the
    village as a data problem to check, and the county is not judged met on it.
    """
    ledger = solar("220881", [("丙村", 10000, 12000, 0), ("丁村", 10000, 9000, 0)])
    r = one(plan, "solar-income", "solar-to-wages", ledger, "220881")
    assert r.met is None
    assert r.verdict == "数据有误：丙村 120.0%（超过100%，请核实）"
    [bad] = r.parts
    assert bad.name == "丙村" and bad.met is None
    assert bad.verdict == "数据有误：公益岗位工资及村级公益事业劳务支出超过光伏收益（120.0%），请核实"


def credit(unit, households):
    """(户类别, age, 是否获贷, 贷款金额, 是否逾期, 户主身份证号 or None) per row."""
    rng = random.Random(unit)
    rows = []
    for kind, age, got, amount, overdue, ident in households:
        rows.append({UNIT_COLUMN: unit, "乡镇": "平台镇", "村": "王家村", "户主姓名": "张三",
                     "户主身份证号": ident or make_id(rng, unit, ON, age, age + 1),
                     "户类别": kind, "评级授信": "是", "信用良好": "是", "有劳动能力": "是",
                     "贷款意愿": "有", "是否获贷": got, "贷款金额(元)": amount,
                     "是否逾期": overdue})
    return pd.DataFrame(rows)


def test_average_loan_and_overdue_are_over_every_poor_household_that_borrowed(plan):
    """Clause 9: "围绕可贷范围内贫困户的总体户贷率和已贷款贫困户的平均户贷量……对信用良好、有劳动
    能力、年龄在18周岁(含)—65周岁(含)的贫困户和边缘户争取应贷尽贷……同时，严格控制逾期".

    洮北区: three poor households borrowed 30,000, 20,000 and 50,000 元; the one of 50,000 is
    headed by a man of 66 and overdue; one poor household of 40 did not borrow; an edge
    household borrowed 10,000. By hand: 户贷率 is over the lending scope (18–65): 2 of 3
    = 66.7 %. 平均户贷量 is over "已贷款贫困户", all three: 100,000 ÷ 3 = 33,333 元 (33,333.33
    rounded); 逾期 1 户. The edge household is in neither.
    """
    ledger = credit("220802", [("贫困户", 40, "是", 30000, "否", None),
                               ("贫困户", 50, "是", 20000, "否", None),
                               ("贫困户", 66, "是", 50000, "是", None),
                               ("贫困户", 40, "否", None, None, None),
                               ("边缘户", 40, "是", 10000, "否", None)])
    r = one(plan, "micro-credit", "loan-rate", ledger, "220802")
    assert r.formula == "获贷 2 户 ÷ 可贷范围内贫困户 3 户 = 66.7%"
    assert r.notes[0] == "平均户贷量 33,333 元（100,000 元 ÷ 3 户）"
    assert r.notes[1] == "逾期 1 户"


def test_two_loans_of_one_household_on_two_rows_are_summed_per_household(plan, tmp_path):
    """Clause 9: "已贷款贫困户的平均户贷量": an average per household, not per row. A household
    with two loans writes them on two rows; the plan sets no "one row per household" rule.

    大安市: household A borrowed 20,000 and 10,000 元 (two rows, the second overdue), household
    B 30,000 元, household C did not borrow; all aged 40. By hand: 获贷 2 户 ÷ 3 户 = 66.7 %;
    平均户贷量 (20,000 + 10,000 + 30,000) ÷ 2 = 30,000 元; 逾期 1 户 (A). The file is accepted.
    """
    rng = random.Random(5)
    a = make_id(rng, "220882", ON, 40, 41)
    ledger = credit("220882", [("贫困户", 40, "是", 20000, "否", a),
                               ("贫困户", 40, "是", 10000, "是", a),
                               ("贫困户", 40, "是", 30000, "否", None),
                               ("贫困户", 40, "否", None, None, None)])
    r = one(plan, "micro-credit", "loan-rate", ledger, "220882")
    assert r.formula == "获贷 2 户 ÷ 可贷范围内贫困户 3 户 = 66.7%"
    assert r.notes[:2] == ("平均户贷量 30,000 元（60,000 元 ÷ 2 户）", "逾期 1 户")

    path = tmp_path / "小额信贷.xlsx"
    ledger.drop(columns=[UNIT_COLUMN]).to_excel(path, index=False)
    verdict = validate_file(path, plan, "220882", ON)
    assert verdict.accepted, [str(p) for p in verdict.problems]


def test_a_loan_over_50000_is_a_note_with_the_offices_reason_not_a_refusal(plan, tmp_path):
    """Clauses 8–9 set no amount ("争取应贷尽贷"): 50,000 元 is the office's reference, not the
    plan's. A household with 60,000 元 is accepted; the reply notes it with the office's reason
    as the plan file writes it."""
    ledger = credit("220802", [("贫困户", 40, "是", 60000, "否", None)])
    path = tmp_path / "小额信贷.xlsx"
    ledger.drop(columns=[UNIT_COLUMN]).to_excel(path, index=False)
    verdict = validate_file(path, plan, "220802", ON)
    assert verdict.accepted, [str(p) for p in verdict.problems]
    [note] = [n for n in verdict.notes if n.column == "贷款金额(元)"]
    reason = plan.templates["credit"].column("贷款金额(元)").warn_reason
    assert reason and reason in note.reason and "60,000" in note.reason


def test_work_started_before_2015_is_accepted(plan, tmp_path):
    """Clause 6① ("建立《贫困劳动力转移就业台账》，并实行双周报送制度") sets no earliest start:
    a worker who went out in 2014 and still works there is counted, not refused."""
    from tests.factories import make_ledger
    frame = make_ledger("220802", rows=3, on=ON)
    frame.loc[0, "务工开始日期"] = "2014-03-01"
    path = tmp_path / "劳动力.xlsx"
    frame.to_excel(path, index=False)
    verdict = validate_file(path, plan, "220802", ON)
    assert verdict.accepted, [str(p) for p in verdict.problems]


def labor(unit, outside, at_home):
    rows = [{UNIT_COLUMN: unit, "务工区域": "省外", "人员类别": "已脱贫户"}] * outside
    rows += [{UNIT_COLUMN: unit, "务工区域": "县内", "人员类别": "已脱贫户"}] * at_home
    return pd.DataFrame(rows)


def test_last_years_figures_not_given_are_not_invented(plan):
    """Clause 6①: "紧盯外出务工贫困劳动力总数不低于去年的工作要求". Last year's totals are the
    office's to give (from 市人社局); the plan file holds no example figure in their place.
    Until given, the summary shows this year's count and says 去年数据未提供，暂不判定.

    洮北区: 3 working 省外, 2 县内: 外出务工贫困劳动力 3 人 (县内 is not 外出), no verdict.
    """
    t = target(plan, "labor-ledger", "migrant-workers")
    assert not t.at_least_by_unit
    ledger = labor("220802", 3, 2)
    r = evaluate(plan, t, ledger, ["220802"], {"220802"}, ON)[0]  # then 全市合计
    assert r.formula == "外出务工贫困劳动力 3 人"
    assert r.met is None and r.verdict == "去年数据未提供，暂不判定"
    assert plan.missing_baselines() == [("labor-ledger", "migrant-workers", "去年", [
        "洮北区", "镇赉县", "通榆县", "洮南市", "大安市", "白城经济开发区", "查干浩特旅游经济开发区"])]


def test_a_baseline_given_by_the_office_is_judged_exactly(plan):
    """Clause 6① "不低于去年": 不低于 includes equal. With 去年 410 given for 洮北区 and 410 this
    year, met; 409 is short by 1 人."""
    t = target(plan, "labor-ledger", "migrant-workers")
    given = t.model_copy(update={"at_least_by_unit": {"220802": 410}})
    r = evaluate(plan, given, labor("220802", 410, 0), ["220802"], {"220802"}, ON)[0]
    assert r.met is True
    r = evaluate(plan, given, labor("220802", 409, 0), ["220802"], {"220802"}, ON)[0]
    assert r.met is False and r.verdict == "低于410，差1人"


def test_mid_october_is_by_the_20th(plan):
    """Clause 19: "在10月中旬前完成5年和1年“两个总结”". 中旬 is the 11th to the 20th of a
    month: "10月中旬前" is by 2020-10-20 (a Tuesday, a working day), not its midpoint."""
    duty = plan.duty("two-summaries")
    assert duty.due == dt.date(2020, 10, 20)
    assert duty.source.by == "plan" and "中旬为11日至20日" in duty.source.reading


def test_a_notice_never_names_the_office_that_issues_it(plan):
    """四(三): "市扶贫办将建立周调度机制……随时通报市脱贫攻坚领导小组": 市扶贫办 issues the 通报;
    its own duties (clause 19 names "市扶贫办，各县市区") go to the operator, not into the
    通报. A draft for 洮北区 and 市扶贫办, both behind and told, names 洮北区 only."""
    from sprint.domain.calendar import periods
    from sprint.domain.engine.book import Book
    from sprint.domain.engine.notices import notice
    from tests.factories import beijing

    duty = plan.duty("two-summaries")
    [period] = periods(plan, duty)
    told = beijing("2020-10-19 09:00")
    book = Book(plan, [], set(), None, told={(duty.id, "220802"): [told], (duty.id, "sfpb"): [told]})
    draft = notice(plan, book, duty, period, [("220802", "未报送"), ("sfpb", "未报送")], [],
                   beijing("2020-10-22 10:00"), "两个总结")
    assert [n["name"] for n in draft.context["named"]] == ["洮北区"]
    assert notice(plan, book, duty, period, [("sfpb", "未报送")], [],
                  beijing("2020-10-22 10:00"), "两个总结") is None


def test_a_header_only_ledger_is_a_report_of_nothing(plan, tmp_path):
    """Clause 6① asks each unit "以县为单位，建立《贫困劳动力转移就业台账》，并实行双周报送制度":
    a development zone with no poor laborers working away has nothing to list, and reports
    that by sending the ledger's header alone. It is accepted with 0 rows and a note saying how
    it was counted, so the unit counts as reported (and is never named in a 通报 for not
    reporting)."""
    from sprint.demo.ledgers import write_ledger
    from tests.factories import make_ledger

    path = write_ledger(make_ledger("bcjk", rows=1).iloc[0:0], tmp_path / "bcjk" / "劳动力.xlsx")
    verdict = validate_file(path, plan, "bcjk", ON)
    assert verdict.accepted and len(verdict.ledger) == 0
    assert [n.reason for n in verdict.notes] == [
        "文件只有表头、没有数据行：按本期无数据计为已报送；如有数据漏填，请补齐后重新报送"]


def test_a_blank_cell_is_not_filled_in_not_zero(plan):
    """Clause 5②: "严防补贴资金趴账". A village that leaves 国家补贴到账 and 国家补贴已使用 blank
    has not said what it received: the figure reads 未填, never "国家补贴到账 0 元"."""
    ledger = solar("220802", [("戊村", 10000, 8000, 0)]).assign(**{"国家补贴到账(元)": None,
                                                                  "国家补贴已使用(元)": None})
    r = one(plan, "solar-income", "subsidy-idle", ledger, "220802")
    assert r.value is None and r.formula == "国家补贴到账 未填"
    assert "0 元" not in r.formula + r.verdict
    [part] = r.parts
    assert part.formula == "国家补贴到账 未填" and part.verdict == "国家补贴到账未填，无法计算"


def test_city_level_budget_units_owe_the_832_ledger(plan):
    """Clause 11: "指导各级预算单位积极通过“扶贫832”网络销售平台采购扶贫产品" (各级: every
    level, the city's own budget units too). 市财政局 reports the city level's ledger, one row a
    budget unit, beside the seven counties."""
    owners = [u.name for u in plan.owners(plan.duty("procurement-832"))]
    assert owners[:7] == ["洮北区", "镇赉县", "通榆县", "洮南市", "大安市", "白城经济开发区",
                          "查干浩特旅游经济开发区"]
    assert "市财政局" in owners


def test_the_labor_summary_gives_the_city_wide_total_beside_the_counties(plan):
    """Clause 6①: "紧盯外出务工贫困劳动力总数不低于去年": the 总数 is the city's too. 洮北区 3
    人 working 省外, 镇赉县 2 人 (and 1 县内, not counted): 全市合计 5 人. With every unit's 去年
    given (洮北区 4, 镇赉县 1, the five others 0: 5 in all) the total is judged: 5 ≥ 5, met;
    with one unit's missing, it is not judged."""
    t = target(plan, "labor-ledger", "migrant-workers")
    ledger = pd.concat([labor("220802", 3, 0), labor("220821", 2, 1)], ignore_index=True)
    owners = [u.code for u in plan.owners(plan.duty("labor-ledger"))]
    results = evaluate(plan, t, ledger, owners, {"220802", "220821"}, ON)
    city = results[-1]
    assert city.name == "全市合计" and city.formula == "外出务工贫困劳动力 5 人（2个单位已报送）"
    assert city.met is None and city.verdict == "去年数据未提供，暂不判定"
    given = t.model_copy(update={"at_least_by_unit": {u: 0 for u in owners} | {
        "220802": 4, "220821": 1}})
    everyone = set(owners)
    city = evaluate(plan, given, ledger, owners, everyone, ON)[-1]
    assert city.formula == "外出务工贫困劳动力 5 人（7个单位已报送），去年 5 人"
    assert city.met is True and city.verdict == "达标"


def test_a_village_over_100_percent_is_named_to_the_unit_in_its_acceptance(plan, tmp_path):
    """Clause 6② ("光伏扶贫收益80%以上用于公益岗位工资及村级公益事业劳务支出"): the wages come out of
    the income. 洮南市's 丙村 reports 12,000 元 of wages on 10,000 元 of income: the file is taken
    (nothing the plan states is broken), and the unit's acceptance notes the row to check:
    12,000 ÷ 10,000 = 120.0 %."""
    from sprint.services import intake
    from tests.factories import beijing

    ledger = solar("220881", [("丙村", 10000, 12000, 0), ("丁村", 10000, 9000, 0)])
    path = tmp_path / "光伏.xlsx"
    ledger.drop(columns=[UNIT_COLUMN]).to_excel(path, index=False)
    arrival = intake.Arrival("220881", path, intake.sha256_of(path), beijing("2020-10-30 10:00"))
    j = intake.judge(arrival, path, plan)
    assert j.accepted
    assert [(n.row, n.reason) for n in j.verdict.notes] == [
        (2, "公益岗位工资及村级公益事业劳务支出 12,000 元超过光伏收益 10,000 元（120.0%），"
            "请核实（已接收，仅作提示）")]
