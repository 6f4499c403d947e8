import datetime as dt

from sprint.calendar import (
    add_workdays,
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
    ps = periods(plan.duty("labor-ledger"))
    assert [p.id for p in ps] == ["2020-10-09", "2020-10-23", "2020-11-06", "2020-11-20",
                                  "2020-12-04", "2020-12-18"]
    first = ps[0]
    assert (first.start, first.end) == (D(2020, 9, 26), D(2020, 10, 9))
    assert first.due == beijing("2020-10-09 17:00")


def test_reminders_skip_the_holiday_and_use_the_working_saturday(plan):
    first = periods(plan.duty("labor-ledger"))[0]
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
    ps = periods(duty)
    assert ps[0].id == "2020-10-02"
    assert ps[0].due == beijing("2020-10-09 17:00")
    assert (ps[0].start, ps[0].end) == (D(2020, 9, 26), D(2020, 10, 2))


def test_a_file_after_the_due_date_is_a_late_submission_for_that_period(plan):
    ps = periods(plan.duty("labor-ledger"))
    assert period_for_receipt(ps, beijing("2020-10-09 16:59")).id == "2020-10-09"
    assert period_for_receipt(ps, beijing("2020-10-12 10:00")).id == "2020-10-09"
    # The next period's window opens at its first reminder, three working days before it is due.
    assert period_for_receipt(ps, beijing("2020-10-20 09:00")).id == "2020-10-23"
    assert period_for_receipt(ps, beijing("2020-09-23 09:00")).id == "2020-10-09"
    assert period_by_id(ps, "2020-10-21").id == "2020-10-23"
    assert period_by_id(ps, "2021-03-01") is None


def test_a_run_looks_at_the_period_just_closed_and_the_next_one(plan):
    ps = periods(plan.duty("labor-ledger"))
    assert [p.id for p in open_and_closing(ps, beijing("2020-10-12 09:00"))] == [
        "2020-10-09", "2020-10-23"]
    assert [p.id for p in open_and_closing(ps, beijing("2020-09-28 09:00"))] == ["2020-10-09"]


def test_a_run_without_as_of_acts_at_the_current_beijing_time():
    import time_machine
    from flows.common import moment

    with time_machine.travel(dt.datetime(2020, 10, 12, 1, 0, tzinfo=dt.UTC), tick=False):
        assert moment(None) == beijing("2020-10-12 09:00")
    assert moment(dt.datetime(2020, 10, 12, 9, 0)) == beijing("2020-10-12 09:00")


def test_an_early_file_counts_for_the_coming_period_once_the_last_one_is_fulfilled(plan):
    ps = periods(plan.duty("labor-ledger"))
    early = beijing("2020-10-19 10:00")  # before 10-23's window opens on 10-20
    assert period_for_receipt(ps, early).id == "2020-10-09"
    assert period_for_receipt(ps, early, {"2020-10-09"}).id == "2020-10-23"
