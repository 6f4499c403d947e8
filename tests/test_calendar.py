import datetime as dt

from sprint.domain.calendar import (
    add_workdays,
    named_period,
    next_workday,
    open_and_closing,
    period_by_id,
    period_for_receipt,
    periods,
    workdays_after,
)
from tests.factories import beijing

D = dt.date


def test_the_national_day_holiday_and_its_working_weekends():
    assert next_workday(D(2020, 10, 1)) == D(2020, 10, 9)
    assert next_workday(D(2020, 10, 10)) == D(2020, 10, 10)  # a working Saturday (调休)
    assert add_workdays(D(2020, 10, 9), 1) == D(2020, 10, 10)
    assert add_workdays(D(2020, 10, 9), -1) == D(2020, 9, 30)
    assert add_workdays(D(2020, 9, 28), -1) == D(2020, 9, 27)  # a working Sunday
    assert workdays_after(D(2020, 9, 30), D(2020, 10, 10)) == 2


def test_labor_ledger_periods_are_fourteen_days_ending_every_second_friday(plan):
    ps = periods(plan, plan.duty("labor-ledger"))
    assert [p.id for p in ps] == ["2020-10-09", "2020-10-23", "2020-11-06", "2020-11-20",
                                  "2020-12-04", "2020-12-18"]
    first = ps[0]
    assert (first.start, first.end) == (D(2020, 9, 26), D(2020, 10, 9))
    assert first.due == beijing("2020-10-09 17:00")


def test_reminders_skip_the_holiday_and_use_the_working_saturday(plan):
    first = periods(plan, plan.duty("labor-ledger"))[0]
    assert [(r.offset, r.at) for r in first.reminders] == [
        (-3, beijing("2020-09-28 09:00")),
        (-1, beijing("2020-09-30 09:00")),
        (0, beijing("2020-10-09 09:00")),
        (1, beijing("2020-10-10 09:00")),
        (3, beijing("2020-10-13 09:00")),
    ]


def test_a_due_date_on_a_holiday_moves_to_the_next_working_day(plan):
    duty = plan.duty("labor-ledger").model_copy(update={
        "cadence": plan.duty("labor-ledger").cadence.model_copy(
            update={"first_due": D(2020, 10, 2), "every_days": 7, "until": D(2020, 10, 9)})})
    ps = periods(plan, duty)
    assert ps[0].id == "2020-10-02"
    assert ps[0].due == beijing("2020-10-09 17:00")
    assert (ps[0].start, ps[0].end) == (D(2020, 9, 26), D(2020, 10, 2))


def test_a_file_counts_for_the_period_in_whose_window_it_arrived(plan):
    ps = periods(plan, plan.duty("labor-ledger"))
    assert period_for_receipt(ps, beijing("2020-10-09 16:59")).id == "2020-10-09"
    assert period_for_receipt(ps, beijing("2020-09-23 09:00")).id == "2020-10-09"
    # Within a working day of the due time (Saturday 10-10 was one), a file still counts for the
    # period just past while the unit owes it; after that, for the period it arrived in.
    assert period_for_receipt(ps, beijing("2020-10-10 16:59")).id == "2020-10-09"
    assert period_for_receipt(ps, beijing("2020-10-12 10:00")).id == "2020-10-23"
    # A unit that missed the last period and sends on the next Wednesday: that week's file.
    assert period_for_receipt(ps, beijing("2020-10-21 10:00")).id == "2020-10-23"
    assert period_by_id(ps, "2020-10-21").id == "2020-10-23"
    assert period_by_id(ps, "2021-03-01") is None


def test_a_file_may_name_its_period(plan):
    labor = periods(plan, plan.duty("labor-ledger"))
    assert named_period(labor, "洮北区台账_2020-10-09.xlsx").id == "2020-10-09"
    assert named_period(labor, "洮北区贫困劳动力转移就业台账（2020年9月26日至10月9日）").id == "2020-10-09"
    assert named_period(labor, "20201023").id == "2020-10-23"
    assert named_period(labor, "洮北区台账.xlsx") is None
    visits = periods(plan, plan.duty("household-visits"))
    assert named_period(visits, "2020年10月入户走访记录").id == "2020-11-05"
    assert named_period(visits, "2020-11-05").id == "2020-11-05"  # the October report's id


def test_the_end_of_october_is_one_day_for_every_duty_and_nothing_falls_due_after_the_sprint(plan):
    # 2020-10-31 is a Saturday: "10月底" is Friday the 30th, for a deadline and a monthly ledger.
    [cleared] = periods(plan, plan.duty("inspection-cleared"))
    october = periods(plan, plan.duty("micro-credit"))[0]
    assert cleared.due == october.due == beijing("2020-10-30 17:00")
    last_day = plan.sprint.end
    assert last_day == D(2020, 12, 30)
    for duty in plan.duties:
        for p in periods(plan, duty):
            assert p.due.date() <= last_day and p.end <= last_day, (duty.id, p.id)
    december = periods(plan, plan.duty("household-visits"))[-1]
    assert (december.start, december.end, december.due) == (D(2020, 12, 1), D(2020, 12, 30),
                                                             beijing("2020-12-30 17:00"))


def test_a_run_looks_at_the_period_just_closed_and_the_next_one(plan):
    ps = periods(plan, plan.duty("labor-ledger"))
    assert [p.id for p in open_and_closing(ps, beijing("2020-10-12 09:00"))] == [
        "2020-10-09", "2020-10-23"]
    assert [p.id for p in open_and_closing(ps, beijing("2020-09-28 09:00"))] == ["2020-10-09"]


def test_a_run_without_as_of_acts_at_the_current_beijing_time_and_a_date_means_its_end():
    import time_machine

    from sprint.domain.clock import moment

    with time_machine.travel(dt.datetime(2020, 10, 12, 1, 0, tzinfo=dt.UTC), tick=False):
        assert moment(None) == beijing("2020-10-12 09:00")
    assert moment(dt.datetime(2020, 10, 12, 9, 0)) == beijing("2020-10-12 09:00")
    assert moment(D(2020, 10, 12)) == moment("2020-10-12") == beijing("2020-10-12 23:59:59")
    assert moment("2020-10-12T12:00") == moment("2020-10-12 12:00") == beijing("2020-10-12 12:00")


def test_a_period_is_found_by_its_own_id_even_past_the_cadences_last_day(plan):
    """The counters' cadence is monthly, due on the last day, `until: 2020-12-30` (the plan's
    "12月底前": a period never runs past the sprint). December's period is named 2020-12-31
    (its nominal due date, moved back to Wednesday 12-30) but covers 12-01 to 12-30. A
    late December file saying 报送期 2020-12-31 names that period by its id: the full replay
    crashed on 2020-12-28 checking the lock of such a file (period None)."""
    ps = periods(plan, plan.duty("consumption-counters"))
    december = ps[-1]
    assert (december.id, december.start, december.end) == ("2020-12-31", D(2020, 12, 1), D(2020, 12, 30))
    assert period_by_id(ps, "2020-12-31") is december
    assert period_by_id(ps, D(2020, 12, 31)) is december
    assert period_by_id(ps, "2020-12-15") is december
    assert period_by_id(ps, "2021-01-01") is None
