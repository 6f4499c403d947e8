"""A unit whose figures did not change sends last month's ledger again: that is this month's
report, not a copy to ignore (issue 22 item 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.duties import duties
from sprint.demo import target_rows as dl
from tests.factories import again, beijing, drop

pytestmark = pytest.mark.integration


def to_zhenlai(sink, since=0):
    return [m["Subject"] for r, m in sink.handler.received[since:] if r == ["zhenlai@example.org"]]


def test_an_unchanged_ledger_sent_for_a_new_month_counts_for_that_month(
        prefect_server, home, sink):
    """The counters ledger is monthly ("全市完成布放运营消费扶贫专柜300台": a stock the county
    reports each month-end; the office's cadence 每月月底报送). 镇赉县 sends its ledger on
    10-28 (October: due 10-30 17:00, the last working day of the month) and, nothing having changed, the same
    file again on 11-27 as “11月专柜台账.xlsx”. By hand: 11-27 is after October's due time and
    before November's (11-30 17:00): November, on time. The acceptance names the file as sent
    and November; no November reminder says 已逾期. The same bytes a third time on 11-28 (the
    same period) are a no-op: nothing is sent."""
    inbox = home / "inbox"
    october = drop(inbox, "220821", "10月专柜台账.xlsx",
                   dl.counter_rows("220821", 100, 2, 1, dt.date(2020, 10, 28)), "2020-10-28 10:00")
    duties(flow="target-ledgers", as_of=beijing("2020-10-30 12:00"))
    assert any("计入报送期2020-10-01至2020-10-31（按时）" in s for s in to_zhenlai(sink)
               if s.startswith("【百日冲刺】已接收：镇赉县《消费扶贫专柜专区专馆台账》"))

    again(october, "11月专柜台账.xlsx", "2020-11-27 09:00")
    before = len(sink.handler.received)
    state = duties(flow="target-ledgers", as_of=beijing("2020-12-01 12:00"), return_state=True)
    assert state.is_completed(), state.message
    subjects = to_zhenlai(sink, before)
    [accepted] = [s for s in subjects if s.startswith("【百日冲刺】已接收：")]
    assert "《消费扶贫专柜专区专馆台账》3行，计入报送期2020-11-01至2020-11-30（按时）" in accepted
    [mail] = [m for r, m in sink.handler.received[before:] if m["Subject"] == accepted]
    body = mail.get_body(("plain",)).get_content()
    assert "报送的文件“11月专柜台账.xlsx”已通过校验并接收" in body
    reminders = [m.get_body(("plain",)).get_content() for r, m in sink.handler.received[before:]
                 if r == ["zhenlai@example.org"] and m["Subject"] != accepted]
    assert not any("消费扶贫专柜专区专馆台账" in text and "已逾期" in text for text in reminders)

    again(october, "11月专柜台账（再次）.xlsx", "2020-11-28 09:00")
    before = len(sink.handler.received)
    duties(flow="target-ledgers", as_of=beijing("2020-12-01 12:30"))
    assert not [s for s in to_zhenlai(sink, before) if s.startswith("【百日冲刺】已接收：")]


LOCKED = [{"row": None, "column": "", "value": "2020-10-31", "lock": True,
           "reason": "已过补报期限（2020年11月6日 17:00），如需补报请联系市扶贫办"}]


def _counters(**change):
    return dict(unit="220821", sha256="ab", file_name="b.xlsx", kept_path="k2",
                received_at=beijing("2020-11-12 09:00"), duty="consumption-counters",
                period="2020-10-31", template="counters", verdict="accepted", rows=3) | change


@pytest.mark.parametrize("key", ["one_record_per_content UNIQUE (unit, sha256)",
                                 "one_record_per_content_and_period UNIQUE (unit, sha256, period)"])
def test_a_store_of_an_earlier_key_takes_the_same_content_for_a_new_period(tmp_path, key):
    """A store written when content was recorded once for good, or once per period, keeps its
    receipts and, opened now, records the same bytes once per period (and still only once for
    one period), and once more for a period the lock refused them for; the reviews keep
    pointing at the submissions."""
    import sqlalchemy as sa

    from sprint.store.store import Store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE submissions (id INTEGER NOT NULL, unit VARCHAR(40) NOT NULL, "
            "sha256 VARCHAR(64) NOT NULL, file_name TEXT NOT NULL, kept_path TEXT NOT NULL, "
            "received_at DATETIME NOT NULL, duty VARCHAR(60), period VARCHAR(20), "
            "template VARCHAR(60), verdict VARCHAR(10) NOT NULL, rows INTEGER NOT NULL, "
            f"problems TEXT NOT NULL, notes INTEGER NOT NULL, PRIMARY KEY (id), CONSTRAINT {key})")
        conn.exec_driver_sql(
            "INSERT INTO submissions VALUES (1, '220821', 'ab', 'a.xlsx', 'k', "
            "'2020-10-28 02:00:00', 'consumption-counters', '2020-10-31', 'counters', "
            "'accepted', 3, '[]', 0)")
    engine.dispose()
    store = Store(url)
    fields = _counters(received_at=beijing("2020-11-27 09:00"))
    assert store.record(**fields | {"period": "2020-11-30"})
    assert not store.record(**fields | {"period": "2020-11-30"})
    assert store.record(**_counters(sha256="cd", verdict="rejected", problems=LOCKED))
    assert store.record(**_counters(sha256="cd"))
    assert [r.period for r in store.receipts()] == ["2020-10-31", "2020-10-31", "2020-10-31",
                                                    "2020-11-30"]
    Store(url)  # opened again: nothing left to change
    with sa.create_engine(url).connect() as conn:
        reviews = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'reviews'"
                                       ).scalar_one()
    assert "REFERENCES submissions (id)" in reviews


def test_content_the_lock_refused_is_taken_once_more_under_an_exception(tmp_path):
    """镇赉县's October counters file, refused 已过补报期限 on 11-10, comes again byte for byte on
    11-12 under the office's exception: recorded, accepted. A fourth time, accepted or refused,
    it is nothing new; and content refused for what it holds is never taken twice."""
    from sprint.store.store import Store

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    refused = _counters(verdict="rejected", problems=LOCKED,
                        received_at=beijing("2020-11-10 09:00"))
    assert store.record(**refused)
    assert not store.record(**refused | {"received_at": beijing("2020-11-11 09:00")})
    assert store.record(**_counters())
    assert not store.record(**_counters(received_at=beijing("2020-11-13 09:00")))
    assert not store.record(**refused | {"received_at": beijing("2020-11-25 09:00")})
    [taken] = [r for r in store.receipts() if r.taken]
    assert taken.received_at == beijing("2020-11-12 09:00")

    wrong = [{"row": 2, "column": "数量(台)", "value": "x", "reason": "应为数字"}]
    assert store.record(**_counters(sha256="ef", verdict="rejected", problems=wrong))
    assert not store.record(**_counters(sha256="ef"))
