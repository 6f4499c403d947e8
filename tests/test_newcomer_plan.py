"""What a newcomer writing a county's plan could not say before: towns as units, with the division
code their people's ID numbers begin with; a first due date that contradicts its monthly due
day, refused on load; the plan's time zone, read and held to Beijing time; breakdowns that sum
a quantity, checked on load."""

from __future__ import annotations

import copy
import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sprint.demo.ledgers import make_id, write_ledger
from sprint.domain.plan import PlanError, load_plan
from sprint.reading.ledger import validate_file

PLAN = Path(__file__).parent / "plans" / "qianan-2022.yaml"
RAW = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
ELSEWHERE = "身份证号不是本县签发（已接收，仅作提示）"


def plan_with(tmp_path: Path, change) -> Path:
    raw = copy.deepcopy(RAW)
    change(raw)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def refusal(tmp_path: Path, change) -> str:
    with pytest.raises(PlanError) as refused:
        load_plan(plan_with(tmp_path, change))
    return str(refused.value)


def sown(tmp_path: Path, divisions: list[str]) -> Path:
    rng = random.Random(7)
    frame = pd.DataFrame([{"村": "前进村", "户主姓名": f"张{'一二三'[i]}",
                           "身份证号": make_id(rng, d, dt.date(2022, 4, 8), 30, 60), "作物": "玉米",
                           "播种面积(亩)": 100, "抗旱措施": "坐水种"} for i, d in enumerate(divisions)])
    return write_ledger(frame, tmp_path / "乾安镇.xlsx")


def test_a_towns_people_are_issued_in_its_county(tmp_path):
    """A town's nine-digit code (220723100) begins with its county's division code (220723):
    IDs beginning 220723 are issued here; one beginning 230102 is a note. Before, the ID's
    first six digits were compared with the whole nine-digit code: every row a note."""
    path = sown(tmp_path, ["220723", "220723", "230102"])
    verdict = validate_file(path, load_plan(PLAN), "220723100", dt.date(2022, 4, 15))
    assert not verdict.problems
    assert [(n.row, n.value, n.reason) for n in verdict.notes] == [(4, "230102", ELSEWHERE)]


def test_a_units_division_may_be_written_out(tmp_path):
    """A unit whose code says nothing of its county (a short code) names its `division`."""
    def short_code(raw):
        raw["units"][1] = {"code": "dbs", "name": "大布苏镇", "kind": "town", "division": "220723",
                           "email": "dabusu@example.org"}
        raw["groups"]["towns"][1] = "dbs"
    plan = load_plan(plan_with(tmp_path, short_code))
    verdict = validate_file(sown(tmp_path, ["220723", "230102"]), plan, "dbs", dt.date(2022, 4, 15))
    assert [n.value for n in verdict.notes] == ["230102"]
    assert plan.unit("xnyj").division_code is None  # a department's short code: no check


def test_a_division_code_has_six_digits(tmp_path):
    message = refusal(tmp_path, lambda raw: raw["units"][0].update(division="2207231"))
    assert "units.0.division" in message


def _monthly(first_due: str, due_day):
    def change(raw):
        cadence = {"first_due": dt.date.fromisoformat(first_due), "monthly": True,
                   "until": dt.date(2022, 5, 31)}
        if due_day is not None:
            cadence["due_day"] = due_day
        raw["duties"][0]["cadence"] = cadence
    return change


@pytest.mark.parametrize(("first_due", "due_day", "words"), [
    ("2022-05-10", None, "first_due 2022-05-10 contradicts due_day 5"),
    ("2022-04-29", "last", "first_due 2022-04-29 contradicts due_day 'last'"),
])
def test_a_first_due_that_contradicts_the_due_day_is_refused(tmp_path, first_due, due_day, words):
    """Before, a monthly cadence took only the month of `first_due`: first_due 2022-05-10 with
    the default due_day 5 fell due on 05-05, silently."""
    message = refusal(tmp_path, _monthly(first_due, due_day))
    assert "duties.0.cadence" in message and words in message


def test_a_first_due_on_its_due_day_loads(tmp_path):
    load_plan(plan_with(tmp_path, _monthly("2022-05-05", None)))
    load_plan(plan_with(tmp_path, _monthly("2022-04-30", "last")))


def test_a_due_day_beside_every_days_is_refused(tmp_path):
    message = refusal(tmp_path, lambda raw: raw["duties"][0]["cadence"].update(due_day=5))
    assert "due_day is for a monthly cadence only" in message


def test_the_time_zone_is_read_and_held_to_beijing(tmp_path):
    """Working days are China's official calendar and every time is written 北京时间."""
    message = refusal(tmp_path, lambda raw: raw.update(timezone="Asia/Tokyo"))
    assert "timezone" in message and "Asia/Shanghai" in message
    assert load_plan(PLAN).timezone == "Asia/Shanghai"  # the third plan does not write it


def test_a_breakdown_sums_a_number_column_of_a_choice(tmp_path):
    def sum_text(raw):
        raw["duties"][0]["summary"]["breakdowns"] = [{"column": "作物", "sum": "村"}]
    assert "'村' is not a number column" in refusal(tmp_path, sum_text)

    def by_number(raw):
        raw["duties"][0]["summary"]["breakdowns"] = ["播种面积(亩)"]
    assert "'播种面积(亩)' is not a choice column" in refusal(tmp_path, by_number)


def test_only_a_recurring_ledger_has_a_season(tmp_path):
    def deadline_season(raw):
        raw["duties"][1]["targets"] = [dict(RAW["duties"][0]["targets"][0], column="说明")]
    assert "only a recurring ledger has a season" in refusal(tmp_path, deadline_season)


def test_a_table_of_towns_calls_them_towns(plan):
    """The visit coverage and the exit report listed 各县 whoever the owners were."""
    from sprint.mailout.compose import environment

    owners = environment().get_template("_owners.txt").module.owners
    assert owners(plan, plan.duty("household-visits")) == "县"  # five counties, two zones
    towns = load_plan(PLAN)
    assert owners(towns, towns.duty("weekly-sowing")) == "乡镇"
    assert owners(towns, towns.duty("weekly-sowing").model_copy(update={"owners": (
        "220723100", "xnyj")})) == "单位"


class Ledgers:
    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames = frames

    def ledger(self, receipt):
        return self.frames[receipt.kept_path]


def _season_files():
    """乾安镇's weekly files: week one, its correction, weeks two and three."""
    from sprint.domain.calendar import BEIJING
    from sprint.domain.records import Receipt

    frames, receipts = {}, []
    for i, (period, at, area) in enumerate([("2022-04-15", "2022-04-14 10:00", 500),
                                            ("2022-04-15", "2022-04-15 09:00", 450),
                                            ("2022-04-22", "2022-04-21 10:00", 300),
                                            ("2022-04-29", "2022-04-28 10:00", 250)]):
        frames[f"/kept/{i}"] = pd.DataFrame([{"村": "前进村", "户主姓名": "张一", "身份证号": "x",
                                              "作物": "玉米", "播种面积(亩)": area, "抗旱措施": "滴灌"}])
        receipts.append(Receipt(id=i, unit="220723100", sha256=f"{i:064d}", file_name=f"{i}.xlsx",
                                kept_path=f"/kept/{i}", received_at=dt.datetime.fromisoformat(at)
                                .replace(tzinfo=BEIJING), duty="weekly-sowing", period=period,
                                template="sowing", verdict="accepted", rows=1, problems_json="[]",
                                notes=0))
    return frames, receipts


def test_a_season_adds_each_periods_counting_file_once():
    """"各乡镇4月底前完成播种面积不少于1000亩", over the season's three weeks. 乾安镇 sends
    week one (500 亩), then a corrected week one (450 亩, the version that counts), then week
    two (300 亩): the season so far is 450 + 300 = 750 亩, not 1,250; with week three
    (250 亩) it is 1,000, met exactly at the threshold, in the last period's summary only."""
    from sprint.domain.calendar import BEIJING
    from sprint.domain.engine.book import Book
    from sprint.domain.engine.owed import owed

    plan = load_plan(PLAN)
    frames, receipts = _season_files()

    def sown_so_far(day: str):
        book = Book(plan, receipts, set(), Ledgers(frames))
        now = dt.datetime.fromisoformat(f"{day} 17:00").replace(tzinfo=BEIJING)
        [summary] = [d for d in owed(plan, book, "sowing", now, rows=False).drafts
                     if d.kind == "summary"]
        [target] = [t for t in summary.context["targets"] if t["target"].id == "sown"]
        return next(r for r in target["results"] if r.unit == "220723100"), target["season"]

    result, season = sown_so_far("2022-04-22")
    assert (result.value, result.met, season) == (750, None, "全季累计，截至本期（第2期，共3期）")
    assert result.verdict == "全季目标1,000亩，尚差250亩（季末判定）"
    result, season = sown_so_far("2022-04-29")
    assert (result.value, result.met, result.verdict) == (1000, True, "达标")
    assert season == "全季累计（共3期）"


def test_the_dispatch_holds_a_season_target_by_the_seasons_sum(tmp_path):
    """The dispatch report lists every target's shortfalls. Held on each unit's latest file,
    乾安镇's last week (250 亩) fell short of "不少于1000亩"; the season's 450 + 300 + 250 =
    1,000 亩 meets it."""
    from sprint.domain.calendar import BEIJING
    from sprint.domain.engine.book import Book
    from sprint.domain.engine.owed import owed

    def with_dispatch(raw):
        raw["templates"]["issues"] = {"name": "问题清单", "clause": "三", "columns": [
            {"name": "编号", "type": "text"},
            {"name": "状态", "type": "choice", "choices": ["未完成", "已完成"]},
            {"name": "时限", "type": "date"},
            {"name": "完成日期", "type": "date", "required": False}]}
        raw["duties"].append(dict(RAW["duties"][0], id="weekly-issues", template="issues",
                                  title="问题清单（每周）", targets=[], summary={},
                                  dispatch="周调度", items={
                                      "number": "编号", "open": {"状态": ["未完成"]},
                                      "closed": {"状态": ["已完成"]}, "due": "时限",
                                      "closed_on": "完成日期"}))
    plan = load_plan(plan_with(tmp_path, with_dispatch))
    frames, receipts = _season_files()
    book = Book(plan, receipts, set(), Ledgers(frames))

    def sown_on(day: str) -> dict:
        now = dt.datetime.fromisoformat(f"{day} 17:00").replace(tzinfo=BEIJING)
        [report] = [d for d in owed(plan, book, "sowing", now, rows=False).drafts
                    if d.kind == "dispatch"]
        return next(t for t in report.context["targets"]
                    if t["title"] == "每镇4月底前播种面积不少于1000亩")

    assert sown_on("2022-04-22")["short"] == []  # 750 亩 so far, judged at the season's end
    assert sown_on("2022-04-29")["short"] == [] and sown_on("2022-04-29")["measured"] == 1
