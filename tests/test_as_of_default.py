"""Commands given no date act on today, or on the plan's last day once today is past the plan,
and say so. (Today is past the Baicheng plan, which ended in January 2021, whenever these run.)"""

import datetime as dt
import json

import pytest

from sprint.commands.cli import main
from sprint.demo.simulate import seed_demo
from sprint.domain.calendar import BEIJING
from tests.test_cli import sprint

pytestmark = pytest.mark.integration  # the `sprint` command in a subprocess, on the demo inbox

NOTE = "提示：今天（{today}）已过方案期限（百日冲刺为2020-09-22至2020-12-30，各项事项至2021-01-05结束），按方案最后一天2021-01-05计算；其他日期请用 --as-of 指定。"


def _note() -> str:
    return NOTE.format(today=dt.datetime.now(BEIJING).date())


def test_validate_without_a_date_gives_the_demo_files_the_verdict_of_their_arrival_day(
        tmp_path, plan, monkeypatch, capsys):
    monkeypatch.setenv("SPRINT_HOME", str(tmp_path / "var"))
    written = seed_demo(plan, tmp_path / "inbox")
    labor = [p for p in written if p.name.startswith("贫困劳动力转移就业台账")]
    assert len(labor) >= 10
    for path in labor:
        arrived = dt.datetime.fromtimestamp(path.stat().st_mtime, BEIJING).date().isoformat()
        on_arrival = main(["validate", str(path), "--as-of", arrived])
        capsys.readouterr()
        without = main(["validate", str(path)])
        printed = capsys.readouterr().out
        assert without == on_arrival, (path.name, printed)
        assert printed.splitlines()[0] == _note()


def test_status_without_a_date_shows_the_states_at_the_end_of_the_plan(tmp_path):
    run = sprint("status", home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == _note()
    # Nothing was sent in this empty state folder: at the plan's end every unit is overdue.
    assert "贫困劳动力转移就业台账（双周报送）  2020-12-18  洮北区" in run.stdout and "严重逾期" in run.stdout
    as_json = sprint("status", "--json", home=tmp_path)
    assert as_json.stderr.strip() == _note()
    assert max(r["截止"] for r in json.loads(as_json.stdout)) <= "2021-01-05"


def test_a_date_given_is_used_as_it_is_and_nothing_is_said(tmp_path):
    run = sprint("status", "--as-of", "2020-10-12", home=tmp_path)
    assert run.returncode == 0 and "提示" not in run.stdout + run.stderr
