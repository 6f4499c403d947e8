"""Generated data and the replay: deterministic files, every kind of mail, nothing twice."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from sprint.config.deployments import load_deployments
from sprint.demo.simulate import DEMO_UNTIL, seed_demo, submissions, write
from sprint.domain.calendar import BEIJING
from sprint.job.replay import replay, schedule
from sprint.reading.ledger import validate_file

D = dt.date


@pytest.mark.integration  # generates the sprint's files twice: ~10 s
def test_generated_files_are_deterministic_and_a_wrong_file_is_followed_by_its_correction(
        plan, tmp_path):
    first = submissions(plan, 5, D(2020, 10, 1), D(2020, 10, 31))
    again = submissions(plan, 5, D(2020, 10, 1), D(2020, 10, 31))
    assert [(s.at, s.unit, s.name) for s in first] == [(s.at, s.unit, s.name) for s in again]
    assert all(a.frame.equals(b.frame) for a, b in zip(first, again, strict=True))
    assert {s.name.rsplit(".", 1)[1] for s in first} == {"csv", "xlsx", "xls"}
    for s in first:
        write(s, tmp_path)
    verdicts = {(s.unit, s.name): validate_file(tmp_path / s.unit / s.name, plan, s.unit, s.at.date())
                for s in first}
    corrected = [k for k in verdicts if "（修改）" in k[1]]
    assert corrected
    for unit, name in corrected:
        wrong = name.replace("（修改）", "")
        assert not verdicts[(unit, wrong)].accepted
        assert verdicts[(unit, name)].accepted
    others = [v for k, v in verdicts.items() if "（修改）" not in k[1] and
              (k[0], k[1].replace(".", "（修改）.", 1)) not in verdicts]
    assert all(v.accepted for v in others), [v.problems[:1] for v in others if not v.accepted][:3]


def test_the_schedule_follows_the_plans_deployments(plan):
    runs = schedule(load_deployments(plan), D(2020, 10, 8), D(2020, 10, 9))
    labor = [t.strftime("%m-%d %H:%M") for t, flow in runs if flow == "labor-ledger"]
    assert labor == ["10-08 09:00", "10-09 09:00", "10-09 17:30"]
    assert {f for _, f in runs} == {"labor-ledger", "weekly-dispatch", "target-ledgers", "deadlines",
                                    "household-visits", "exit-process"}
    assert not [t for t, f in schedule(load_deployments(plan), D(2020, 9, 22), D(2020, 9, 30))
                if f == "exit-process"]  # its ledgers are due from the end of October


@pytest.mark.integration
def test_a_short_replay_sends_every_kind_once_and_again_nothing(home, sink, monkeypatch):
    from sprint.config.settings import Settings

    state = home / "replay"
    settings = Settings(home=state, inbox=state / "inbox")
    lines = []
    result = replay(D(2020, 10, 5), D(2020, 10, 17), 11, settings, lines.append)
    assert result["undelivered"] == []
    assert {"reminder", "summary", "dispatch", "event", "rejection", "acceptance"} <= set(
        result["mails_by_kind"])
    assert len(sink.handler.received) == result["mails"]
    ids = [m["Message-ID"] for _, m in sink.handler.received]
    assert len(ids) == len(set(ids))  # each recorded message went once
    assert lines[0].startswith("2020-10-05 · run 1/")
    assert result["runs"]["labor-ledger"] == 13 + 1  # daily, and the biweekly run on 10-09
    assert set(result["notices"]) == {"drafted", "approved", "dropped", "expired", "waiting"}

    again = replay(D(2020, 10, 5), D(2020, 10, 17), 11, settings)
    assert len(sink.handler.received) == result["mails"] == again["mails"]


@pytest.mark.integration  # ~6 s
def test_the_demo_inbox_is_the_generators_first_weeks_each_file_dated_as_it_arrived(plan, tmp_path):
    written = seed_demo(plan, tmp_path)
    counties = {u.code for u in plan.owners(plan.duty("labor-ledger"))}
    assert counties <= {p.parent.name for p in written}
    arrived = [dt.datetime.fromtimestamp(p.stat().st_mtime, BEIJING).date() for p in written]
    assert min(arrived) >= plan.sprint.start and max(arrived) <= DEMO_UNTIL
    assert seed_demo(plan, tmp_path) == []  # a restart keeps the inbox as it is


def test_a_file_the_generator_cannot_write_stops_the_replay_with_its_name(plan, tmp_path):
    """The replay's files are written by a process of their own, ahead of the runs
    (sprint/demo/ahead.py): one that cannot be written (here the inbox is a file) stops the
    replay at the run that needs it, naming the file, rather than letting the runs go on
    without it."""
    from sprint.demo.ahead import Ahead

    files = submissions(plan, 5, D(2020, 10, 1), D(2020, 10, 9))
    blocked = tmp_path / "inbox"
    blocked.write_text("not a folder")
    ahead = Ahead(files, blocked)
    with pytest.raises(RuntimeError) as e:
        ahead.until(files[-1].at)
    first = min(files, key=lambda s: s.at)
    assert str(e.value).startswith(f"生成台账失败：{first.unit}/{first.name}：")


def test_a_file_being_written_is_not_seen_until_it_is_whole_and_dated(plan, tmp_path, monkeypatch):
    """The generator writes beside the runs: a file is written under a hidden name (a scan
    skips those) and appears whole, already dated as it arrived. A scan that saw a file half
    written took it as broken and "dated after the system's clock" (5 files in a full replay)."""
    files = submissions(plan, 5, D(2020, 10, 1), D(2020, 10, 9))
    sub = files[0]
    seen = []
    real = os.replace

    def watching(src, dst):  # the moment before the file appears under its name
        seen.append((Path(src).name, Path(src).stat().st_mtime, Path(dst).exists()))
        real(src, dst)

    monkeypatch.setattr(os, "replace", watching)
    write(sub, tmp_path)
    assert seen == [(f".{sub.name}", sub.at.timestamp(), False)]
    assert (tmp_path / sub.unit / sub.name).stat().st_mtime == sub.at.timestamp()
    assert [p.name for p in (tmp_path / sub.unit).iterdir()] == [sub.name]
