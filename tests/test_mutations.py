"""Tests that catch what the suite missed (issue 23, point 8): each of these mutations of the
protections survived every test before. Each test's docstring names the mutation it kills;
`python tests/mutations.py` applies each in turn and shows its test failing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from jinja2 import DictLoader, Environment

from sprint.domain.calendar import BEIJING, Reminder, periods
from sprint.domain.engine.book import Book
from sprint.domain.engine.households import Readiness, Step, replay
from sprint.domain.engine.notices import candidates
from sprint.domain.engine.reminders import REMINDER, reminder_key
from sprint.domain.records import Receipt
from sprint.domain.status import State, state_of
from sprint.mailin.unpack import contents
from sprint.mailout.compose import render
from tests.letters import mail


def receipt(at: dt.datetime, accepted: bool = True, n: int = 1) -> Receipt:
    return Receipt(n, "220802", "0" * 64, f"{n}.xlsx", "", at, "labor-ledger", "2020-10-09",
                   "labor", "accepted" if accepted else "rejected", 3, "[]", 0)


def period(plan, due_id="2020-10-09"):
    return next(p for p in periods(plan, plan.duty("labor-ledger")) if p.id == due_id)


def test_on_time_is_judged_by_the_first_accepted_file_not_the_latest(plan):
    """Kills: on-time judged by the latest file instead of the first accepted one.

    The plan's labor ledger is due 2020-10-09 (双周报送); 洮北区's accepted file came 10-08 and a
    corrected version 10-12: it was submitted on time (the correction counts as the version, not
    as the time), 按时报送."""
    p = period(plan)
    files = [receipt(p.due - dt.timedelta(days=1), n=1),
             receipt(p.due + dt.timedelta(days=3), n=2)]
    state, counting = state_of(p, files, p.due + dt.timedelta(days=4))
    assert state is State.ON_TIME and counting.id == 2


def test_a_file_arriving_exactly_at_the_due_time_is_on_time(plan):
    """Kills: `<` for `<=` at the due time. A file received at the very due time (10-09, the
    plan's due hour) is on time; a second later it is late."""
    p = period(plan)
    assert state_of(p, [receipt(p.due)], p.due)[0] is State.ON_TIME
    late = p.due + dt.timedelta(seconds=1)
    assert state_of(p, [receipt(late)], late)[0] is State.SUBMITTED_LATE


def test_a_reminder_is_keyed_by_its_offset_not_its_date(plan):
    """Kills: a reminder keyed by date instead of by offset. The design: every email is sent at
    most once for its key (duty, period, unit, kind, offset). The reminder one working day after
    the due day is '+1' whatever date the calendar (or a drill's shift, or a moved due date)
    gives it: the same offset moved a day is the same reminder, not a second one."""
    p = period(plan)
    duty = plan.duty("labor-ledger")
    one = Reminder(1, p.due + dt.timedelta(days=1))
    moved = Reminder(1, p.due + dt.timedelta(days=2))
    assert reminder_key(duty, p, "220802", REMINDER, one).ref == "+1"
    assert reminder_key(duty, p, "220802", REMINDER, moved) == reminder_key(
        duty, p, "220802", REMINDER, one)


def test_a_household_once_out_never_goes_back_a_stage(plan):
    """Kills: a 销号 household that can go back a stage. Clause 15's procedure: once 销号, a
    household stays 销号; a later 民主评议 or an objection to a 公示 is noted, not taken."""
    rules = plan.duty("exit-process").procedure
    ready = Readiness(True, ())
    done = [("村两委民主评议", 2), ("村两委和驻村工作队核实", 4), ("贫困户认可", 5),
            ("村内公示", 6), ("公告退出", 13), ("销号", 16)]
    steps = [Step(stage, dt.date(2020, 11, day), False, ready) for stage, day in done]
    steps += [Step("村内公示", dt.date(2020, 11, 18), True, ready),
              Step("村两委民主评议", dt.date(2020, 11, 20), False, ready)]
    p = replay(rules, steps)
    assert (p.stage, p.since, p.returned) == ("销号", dt.date(2020, 11, 16), 0)
    assert len(p.notes) == 2


def test_a_unit_is_named_only_if_told_the_plans_working_days_before(plan):
    """Kills: `told_workdays_before` ignored. The plan's notices: a unit may be named in a 通报
    only if it was told (a reminder) at least `told_workdays_before` working days before. With 1
    (the plan's): told 10-12 09:00, not nameable at 10-12 16:00, nameable 10-13 16:00. With 2:
    not nameable 10-13 16:00 either (one working day), nameable 10-14 16:00."""
    duty, p = plan.duty("labor-ledger"), period(plan)
    told = dt.datetime(2020, 10, 12, 9, 0, tzinfo=BEIJING)

    def nameable(the_plan, now):
        book = Book(the_plan, [], set(), None, {(duty.id, "220802"): [told]})
        return candidates(the_plan, book, duty, p, ["220802"], now) == ["220802"]

    assert plan.notices.told_workdays_before == 1
    assert not nameable(plan, dt.datetime(2020, 10, 12, 16, 0, tzinfo=BEIJING))
    assert nameable(plan, dt.datetime(2020, 10, 13, 16, 0, tzinfo=BEIJING))
    two = plan.model_copy(update={"notices": plan.notices.model_copy(
        update={"told_workdays_before": 2})})
    assert not nameable(two, dt.datetime(2020, 10, 13, 16, 0, tzinfo=BEIJING))
    assert nameable(two, dt.datetime(2020, 10, 14, 16, 0, tzinfo=BEIJING))


def test_a_notice_drafted_later_does_not_stop_a_unit_being_named_earlier(plan):
    """Kills: drafts judged by every notice on record, whatever its time. A replay over its own
    state (and a custom run of a past as_of) re-judged 2020-11-02 with the office's approved
    draft of 11-04 on record: the 12 units lagging on 11-02 were taken as named already, and a
    draft naming 1 of them was made, approved and sent a second time. At 11-02 09:15 only what
    was drafted by then counts; a draft dropped later was still waiting then."""
    from sprint.domain.records import NoticeRecord

    duty, p = plan.duty("labor-ledger"), period(plan)
    told = dt.datetime(2020, 10, 12, 9, 0, tzinfo=BEIJING)
    now = dt.datetime(2020, 11, 2, 9, 15, tzinfo=BEIJING)

    def draft(n, at, status, decided):
        return NoticeRecord(n, duty.id, p.id, "ldxz", "notice", str(n), "", "", "", "", "220802",
                            status, at, decided, None, None, None)

    def nameable(*notices):
        book = Book(plan, [], set(), None, {(duty.id, "220802"): [told]}, list(notices))
        return candidates(plan, book, duty, p, ["220802"], now) == ["220802"]

    later = now + dt.timedelta(days=2)
    assert nameable(draft(5, later, "approved", later))
    assert not nameable(draft(5, now - dt.timedelta(days=1), "approved", now))
    # Drafted before, dropped after: at 11-02 it still named the unit (waiting for a decision).
    assert not nameable(draft(4, now - dt.timedelta(hours=1), "dropped", later))
    assert nameable(draft(4, now - dt.timedelta(hours=1), "dropped", now - dt.timedelta(minutes=1)))


def test_a_zip_of_more_than_200_ledgers_is_not_opened(plan):
    """Kills: the zip member cap removed. A zip listing 201 small .csv members (each a ledger by
    its name) is not opened: named as too many, none placed (the earlier test's 1,000 members
    were no ledgers, so they were skipped with the cap or without it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(201):
            z.writestr(f"台账{i}.csv", b"a,b\n1,2\n")
    found = contents(mail("taobei@example.org", [("报送.zip", buffer.getvalue())]), plan.limits)
    assert found.ledgers == []
    assert found.skipped == ["报送.zip：压缩包内文件过多（201 个），未展开"]


def test_a_subject_is_one_line_whatever_its_template_and_values_hold():
    """Kills: line breaks kept in a subject. A value with CR LF and a header after it (a unit's
    file name `a\\r\\nBcc: x@evil.test`), and a template that breaks its own line, give a subject
    of one line: no header can be added through it."""
    env = Environment(loader=DictLoader({
        "x-subject.txt": "退回：{{ name }}\n（第二行）",
        "x-body.txt": "{{ name }}", "x-body.html": "<p>{{ name }}</p>"}), autoescape=True)
    subject, _, _ = render(env, "x", {"name": "a.xlsx\r\nBcc: x@evil.test"})
    assert subject == "退回：a.xlsx Bcc: x@evil.test （第二行）"
