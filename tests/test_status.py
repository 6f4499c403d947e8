"""A unit's state for a period is a function of the clock and its receipts."""

import pytest

from sprint.domain.calendar import periods
from sprint.domain.records import Receipt
from sprint.domain.status import State, rates, standings, state_of
from tests.factories import beijing


def receipt(at, accepted=True, unit="220802", period="2020-10-09"):
    return Receipt(id=1, unit=unit, sha256="0" * 64, file_name="f.xlsx", kept_path="/k",
                   received_at=beijing(at), duty="labor-ledger", period=period,
                   template="labor", verdict="accepted" if accepted else "rejected", rows=1,
                   problems_json="[]", notes=0)


@pytest.fixture
def first(plan):
    return periods(plan, plan.duty("labor-ledger"))[0]


@pytest.mark.parametrize("now, expected", [
    ("2020-09-25 12:00", State.NOT_DUE),
    ("2020-09-28 09:00", State.DUE_SOON),  # the first reminder opens the window
    ("2020-10-09 08:00", State.DUE_TODAY),
    ("2020-10-09 17:01", State.LATE),
    ("2020-10-13 09:00", State.LATE),
    ("2020-10-13 09:01", State.OVERDUE),
])
def test_a_silent_unit_moves_from_not_due_to_overdue(first, now, expected):
    assert state_of(first, [], beijing(now))[0] is expected


def test_submitted_on_time_late_or_rejected(first):
    now = beijing("2020-10-20 09:00")
    assert state_of(first, [receipt("2020-10-09 17:00")], now)[0] is State.ON_TIME
    assert state_of(first, [receipt("2020-10-09 17:01")], now)[0] is State.SUBMITTED_LATE
    assert state_of(first, [receipt("2020-10-08 10:00", accepted=False)], now)[0] is State.REJECTED
    fixed = [receipt("2020-10-08 10:00", accepted=False), receipt("2020-10-12 10:00")]
    assert state_of(first, fixed, now)[0] is State.SUBMITTED_LATE


def test_a_file_that_arrives_after_now_is_not_seen_yet(first):
    assert state_of(first, [receipt("2020-10-12 10:00")], beijing("2020-10-10 10:00"))[0] is State.LATE


def test_completeness_and_timeliness_never_exceed_one_hundred_percent(plan):
    ps = periods(plan, plan.duty("labor-ledger"))[:2]
    units = ["220802", "220821"]
    many = [receipt("2020-10-08 10:00"), receipt("2020-10-09 10:00"), receipt("2020-10-09 11:00"),
            receipt("2020-10-12 10:00", unit="220821")]
    rows = standings(ps, units, many, beijing("2020-10-14 09:00"))
    r = rates(rows, beijing("2020-10-14 09:00"))
    assert (r.expected, r.received, r.on_time) == (2, 2, 1)  # the second period is not due yet
    assert (r.completeness, r.timeliness) == (1.0, 0.5)
