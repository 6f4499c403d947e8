"""Every stage rule of the exit procedure, with fixed dates."""

import datetime as dt

import pytest
from sprint.exit import Readiness, Step, readiness, replay

D = dt.date
READY = Readiness(True, ())


@pytest.fixture
def rules(plan):
    return plan.duty("exit-process").procedure


def steps(*pairs):
    return [Step(stage, D(2020, 11, day), objection) for stage, day, objection in pairs]


ALL = [("村两委民主评议", 2, False), ("村两委和驻村工作队核实", 4, False), ("贫困户认可", 5, False),
       ("村内公示", 6, False), ("公告退出", 13, False), ("销号", 16, False)]


def test_a_ready_household_goes_through_every_stage(rules):
    p = replay(rules, steps(*ALL), READY)
    assert p.done and p.since == D(2020, 11, 16) and p.notes == []


def test_a_household_not_ready_cannot_pass_the_village_review(rules):
    ready = readiness(rules, 3800, {g: "是" for g in rules.guarantees}, open_problems=1)
    assert ready.reasons == ("年人均纯收入3800元，未超过4000元", "存在问题台账中有1个问题未整改")
    p = replay(rules, steps(("村两委民主评议", 2, False)), ready)
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
    p = replay(rules, steps(("村两委民主评议", 2, False), ("贫困户认可", 5, False)), READY)
    assert p.stage == "村两委民主评议"
    assert p.notes == ["11-05“贫困户认可”：跳过了“村两委和驻村工作队核实”，不予认可"]


def test_a_publicity_shorter_than_seven_days_sends_the_household_back_to_verification(rules):
    short = ALL[:4] + [("公告退出", 12, False)]
    p = replay(rules, steps(*short), READY)
    assert p.stage == "村两委民主评议" and p.returned == 1
    assert p.notes == ["11-12公示仅6天，不足7天，退回“村两委和驻村工作队核实”"]
    again = replay(rules, steps(*short, ("村两委和驻村工作队核实", 13, False), ("贫困户认可", 14, False),
                                ("村内公示", 15, False), ("公告退出", 23, False)), READY)
    assert again.stage == "公告退出" and again.returned == 1


def test_an_objection_during_publicity_sends_the_household_back_to_verification(rules):
    p = replay(rules, steps(*ALL[:3], ("村内公示", 6, True), ("公告退出", 13, False)), READY)
    assert p.stage == "村两委民主评议" and p.returned == 1
    assert p.notes[0] == "11-06公示期间有异议，退回“村两委和驻村工作队核实”"
    assert p.notes[1] == "11-13“公告退出”：跳过了“村两委和驻村工作队核实”，不予认可"
