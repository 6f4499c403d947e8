"""Who owes what: each (duty, period, unit)'s state, computed from the clock and the receipts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sprint.domain.calendar import Period
from sprint.domain.records import Receipt


class State(StrEnum):
    NOT_DUE = "未到报送期"
    DUE_SOON = "即将到期"
    DUE_TODAY = "今日到期"
    LATE = "已逾期"
    OVERDUE = "严重逾期"
    ON_TIME = "按时报送"
    SUBMITTED_LATE = "逾期报送"
    REJECTED = "被退回"

    @property
    def submitted(self) -> bool:
        return self in (State.ON_TIME, State.SUBMITTED_LATE)

    @property
    def owes(self) -> bool:
        return self in (State.DUE_SOON, State.DUE_TODAY, State.LATE, State.OVERDUE, State.REJECTED)


@dataclass(frozen=True)
class Standing:
    period: Period
    unit: str
    state: State
    submitted_at: dt.datetime | None
    receipt: Receipt | None  # the version that counts: the latest accepted one, else the latest


def state_of(period: Period, receipts: list[Receipt], now: dt.datetime) -> tuple[State, Receipt | None]:
    """A unit's state for one period at `now`.

    Submitted on time when its first accepted file arrived by the due time, late when after it.
    Rejected when it has sent only files that were refused. Otherwise: not due before the
    period's first reminder, due soon until the due day, due today on it, late until the last
    reminder, overdue after that. Files that arrive after `now` are not seen yet.
    """
    seen = [r for r in receipts if r.received_at <= now]
    accepted = [r for r in seen if r.accepted]
    if accepted:
        first = accepted[0].received_at
        return (State.ON_TIME if first <= period.due else State.SUBMITTED_LATE), accepted[-1]
    if seen:
        return State.REJECTED, seen[-1]
    if now < period.opens:
        return State.NOT_DUE, None
    if now <= period.due:
        return (State.DUE_TODAY if now.date() == period.due.date() else State.DUE_SOON), None
    last = period.reminders[-1].at if period.reminders else period.due
    return (State.LATE if now <= last else State.OVERDUE), None


def standings(periods: list[Period], units: list[str], receipts: list[Receipt],
              now: dt.datetime) -> list[Standing]:
    by_key: dict[tuple[str | None, str], list[Receipt]] = {}
    for r in receipts:
        by_key.setdefault((r.period, r.unit), []).append(r)
    out = []
    for period in periods:
        for unit in units:
            state, receipt = state_of(period, by_key.get((period.id, unit), []), now)
            first = next((r.received_at for r in by_key.get((period.id, unit), [])
                          if r.accepted and r.received_at <= now), None)
            out.append(Standing(period, unit, state, first, receipt))
    return out


@dataclass(frozen=True)
class Rates:
    expected: int
    received: int
    on_time: int

    @property
    def completeness(self) -> float:
        return self.received / self.expected if self.expected else 1.0

    @property
    def timeliness(self) -> float:
        return self.on_time / self.expected if self.expected else 1.0


def rates(rows: list[Standing], now: dt.datetime) -> Rates:
    """Completeness and timeliness over the (period, unit) rows already due at `now`.

    Each expected row counts once however many files it got, so neither rate exceeds 100 %.
    """
    due = [s for s in rows if s.period.due < now]
    return Rates(
        expected=len(due),
        received=sum(s.state.submitted for s in due),
        on_time=sum(s.state is State.ON_TIME for s in due),
    )
