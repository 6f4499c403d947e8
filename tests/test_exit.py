"""Every stage rule of the exit procedure (clause 15), with fixed dates, and a household's stage
as its history: what a later ledger says does not undo a step taken before it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sprint.domain.calendar import BEIJING
from sprint.domain.engine.book import Book
from sprint.domain.engine.households import Readiness, Step, readiness, replay
from sprint.domain.engine.procedure import county_households
from sprint.domain.records import Receipt

D = dt.date
READY = Readiness(True, ())
STAGES = ["村两委民主评议", "村两委和驻村工作队核实", "贫困户认可", "村内公示", "公告退出", "销号"]


@pytest.fixture
def rules(plan):
    return plan.duty("exit-process").procedure


def steps(*triples, ready=READY):
    return [Step(stage, D(2020, 11, day), objection, ready) for stage, day, objection in triples]


ALL = [("村两委民主评议", 2, False), ("村两委和驻村工作队核实", 4, False), ("贫困户认可", 5, False),
       ("村内公示", 6, False), ("公告退出", 13, False), ("销号", 16, False)]


def test_a_ready_household_goes_through_every_stage(rules):
    p = replay(rules, steps(*ALL))
    assert p.done_in(rules) and p.since == D(2020, 11, 16) and p.notes == []


def test_a_household_not_ready_cannot_pass_the_village_review(rules):
    ready = readiness(rules, 3800, {g: "是" for g in rules.guarantees}, open_problems=1)
    assert ready.reasons == ("年人均纯收入3800元，未超过4000元", "存在问题台账中有1个问题未整改")
    p = replay(rules, steps(("村两委民主评议", 2, False), ready=ready))
    assert p.stage is None
    assert p.notes == ["11-02“村两委民主评议”：未达到退出标准（年人均纯收入3800元，未超过4000元；"
                       "存在问题台账中有1个问题未整改），不能通过评议"]
    housing = readiness(rules, 5200, {g: "是" for g in rules.guarantees} | {"住房安全保障": "否"}, 0)
    assert housing.reasons == ("住房安全保障未保障",)


def test_a_household_whose_members_do_not_add_up_to_its_size_is_not_ready(rules):
    ok = {g: "是" for g in rules.guarantees}
    assert readiness(rules, 5200, ok, 0, size=3, members=2).reasons == (
        "家庭成员台账列2人，与家庭人口3人不符",)
    assert readiness(rules, 5200, ok, 0, size=3, members=3).ready
    assert readiness(rules, 5200, ok, 0, size=3, members=None).ready  # no members ledger yet


def test_a_stage_may_not_be_skipped(rules):
    p = replay(rules, steps(("村两委民主评议", 2, False), ("贫困户认可", 5, False)))
    assert p.stage == "村两委民主评议"
    assert p.notes == ["11-05“贫困户认可”：跳过了“村两委和驻村工作队核实”，不予认可"]


def test_a_six_day_publicity_is_extended_not_sent_back_to_verification(rules):
    short = ALL[:4] + [("公告退出", 12, False)]
    p = replay(rules, steps(*short))
    assert p.stage == "村内公示" and p.returned == 0
    assert p.notes == ["11-12“公告退出”：村内公示仅6天，不足7天，请延长村内公示至满7天后再报“公告退出”，"
                       "或重新公示"]
    extended = replay(rules, steps(*short, ("公告退出", 13, False), ("销号", 16, False)))
    assert extended.done_in(rules) and extended.returned == 0


def test_a_publicity_redone_starts_again(rules):
    redone = ALL[:4] + [("村内公示", 9, False), ("公告退出", 13, False), ("公告退出", 16, False)]
    p = replay(rules, steps(*redone))
    assert p.stage == "公告退出"
    assert p.notes[0] == "11-09重新村内公示"
    assert "村内公示仅4天" in p.notes[1]


def test_an_objection_during_publicity_sends_the_household_back_to_verification(rules):
    p = replay(rules, steps(*ALL[:3], ("村内公示", 6, True), ("公告退出", 13, False)))
    assert p.stage == "村两委民主评议" and p.returned == 1
    assert p.notes[0] == "11-06村内公示期间有异议，退回“村两委和驻村工作队核实”"
    assert p.notes[1] == "11-13“公告退出”：跳过了“村两委和驻村工作队核实”，不予认可"


class Ledgers:
    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames = frames

    def ledger(self, receipt: Receipt) -> pd.DataFrame:
        return self.frames[receipt.kept_path]


def receipt(i: int, duty: str, template: str, at: str) -> Receipt:
    return Receipt(id=i, unit="220802", sha256=f"{i:064d}", file_name=f"{i}.xlsx",
                   kept_path=f"/kept/{i}", received_at=dt.datetime.fromisoformat(at).replace(tzinfo=BEIJING),
                   duty=duty, period="2020-11-20", template=template, verdict="accepted", rows=1,
                   problems_json="[]", notes=0)


def test_a_household_out_of_poverty_stays_out_when_a_problem_is_recorded_later(plan):
    duty = plan.duty("exit-process")
    hid = "220802198001011230"
    situation = pd.DataFrame([{"乡镇": "平台镇", "村": "王家村", "户主姓名": "张大山", "户主身份证号": hid,
                               "家庭人口": 3, "年人均纯收入(元)": 5200, "吃穿不愁": "是", "义务教育保障": "是",
                               "基本医疗保障": "是", "住房安全保障": "是", "饮水安全": "是"}])
    fixed = pd.DataFrame([{"户主身份证号": hid, "问题编号": "P1", "存在问题": "医保未缴", "是否整改": "是",
                           "整改日期": pd.Timestamp("2020-11-01")}])
    reopened = pd.DataFrame([{"户主身份证号": hid, "问题编号": "P2", "存在问题": "危房", "是否整改": "否",
                              "整改日期": None}])
    stages = pd.DataFrame([{"乡镇": "平台镇", "村": "王家村", "户主姓名": "张大山", "户主身份证号": hid,
                            "环节": stage, "日期": pd.Timestamp(2020, 11, day), "是否有异议": "否",
                            "说明": ""} for stage, day, _ in ALL])
    receipts = [receipt(1, "exit-households", "exit-households", "2020-11-01 10:00"),
                receipt(2, "exit-problems", "exit-problems", "2020-11-01 10:00"),
                receipt(3, "exit-process", "exit-stages", "2020-11-17 10:00"),
                receipt(4, "exit-problems", "exit-problems", "2020-11-25 10:00")]
    book = Book(plan, receipts, set(), Ledgers({"/kept/1": situation, "/kept/2": fixed,
                                                "/kept/3": stages, "/kept/4": reopened}))
    before = county_households(plan, book, duty, "220802", dt.datetime(2020, 11, 20, tzinfo=BEIJING))
    [h] = before
    assert h.done(duty.procedure) and h.flagged(duty.procedure) == ""
    [h] = county_households(plan, book, duty, "220802", dt.datetime(2020, 11, 27, tzinfo=BEIJING))
    assert h.progress.stage == "销号"
    assert h.flagged(duty.procedure) == "已销号但有1个未整改问题"
    assert h.progress.notes == []
