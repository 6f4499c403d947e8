"""What the operator reads, in Chinese and without traps: the dates people type, the CLI's errors
with an example, the UI's form of the duty flow, and a bad date from the form."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sprint.commands.cli import main
from sprint.domain import clock


@pytest.mark.parametrize("typed, read", [
    ("2020/10/12", dt.date(2020, 10, 12)),
    ("2020年10月12日", dt.date(2020, 10, 12)),
    ("2020-10-12 12时", dt.datetime(2020, 10, 12, 12, 0)),
    ("2020年10月12日12时30分", dt.datetime(2020, 10, 12, 12, 30)),
    ("2020/10/12 9:15", dt.datetime(2020, 10, 12, 9, 15)),
    ("2020-10-12", dt.date(2020, 10, 12)),
])
def test_dates_are_read_as_people_type_them(typed, read):
    assert clock.parse(typed) == read
    assert re.search(clock.PATTERN, typed)  # the UI's form lets it through too


def test_a_bare_typed_date_is_still_the_end_of_that_day():
    assert clock.moment("2020年10月12日") == dt.datetime(2020, 10, 12, 23, 59, 59,
                                                         tzinfo=clock.BEIJING)


def test_a_bad_date_is_refused_in_chinese_with_an_example(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "labor-ledger", "--as-of", "2020-13-40"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "不是有效的日期或时间：'2020-13-40'" in err and "2020年10月12日" in err
    assert "not a date" not in err
    # the form refuses what is no date at all
    assert not re.search(clock.PATTERN, "十月十二日")
    assert not re.search(clock.PATTERN, "2020-10-12 garbage")


def test_a_wrong_name_lists_every_deployment_intake_included(capsys):

    from sprint.config.deployments import load_deployments

    names = [d.name for d in load_deployments(triggered=True)]
    assert len(names) == 10
    assert main(["run", "labor-ledgr"]) == 2
    err = capsys.readouterr().err
    assert f"部署（{len(names)} 个）" in err
    assert all(n in err for n in names) and "intake" in err
    assert "没有名为 'labor-ledgr' 的部署" in err
    assert "review（审核表单，在界面运行或用 sprint review）" in err


def test_the_review_form_is_not_run_by_date_and_says_where_it_is(capsys):
    """`review` is a deployment, but a form waiting for a person: the shell does not start it
    (a run from the shell never waits); the message says where to review instead."""
    assert main(["run", "review", "--as-of", "2020-10-12"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sprint: review 是审核表单，不按日期运行")
    assert "Deployments → review → Run" in err and ".venv/bin/sprint review" in err


def test_the_form_fixes_the_group_and_calls_dry_run_a_trial():
    from prefect.utilities.callables import parameter_schema

    from flows.duties import duties

    props = parameter_schema(duties).model_dump()["properties"]
    assert list(props) == ["as_of", "dry_run", "flow"]  # the group, fixed, comes last
    assert "由部署确定" in props["flow"]["description"] and "不生效" in props["flow"]["description"]
    assert props["dry_run"]["description"].startswith("试运行（只生成邮件，不发送）")
    assert "演练" not in str(props)
    assert props["as_of"]["pattern"] == clock.PATTERN


def test_a_bad_date_from_the_form_ends_the_run_with_one_chinese_line(prefect_server, home):
    """The UI's form sends text; 2020-13-40 looks like a date and passes its pattern."""
    from flows.duties import duties

    state = duties(flow="labor-ledger", as_of="2020-13-40", return_state=True)
    assert state.is_failed()
    assert state.message.startswith("不是有效的日期或时间：'2020-13-40'")
    assert "\n" not in state.message


def test_a_paused_deployment_says_so_and_why_in_its_description(tmp_path, plan):
    """Prefect's page shows "At 09:15 AM every day" and no word of a pause: the description,
    which leads with the schedule in Chinese, says it is paused and why."""
    import datetime as dt

    import yaml

    from sprint.config.deployments import write_deployments
    from sprint.domain.window import finished

    why = finished(plan, dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    written = yaml.safe_load(write_deployments(tmp_path / "p.yaml", plan, paused=why)
                             .read_text("utf-8"))
    by_name = {d["name"]: d["description"] for d in written["deployments"]}
    assert by_name["deadlines"].startswith("每天9:15（北京时间）（已暂停：方案已于")
    assert "（已暂停" not in by_name["intake"]  # it has no schedule: it runs when a file lands


def test_the_approval_form_asks_no_required_field_prefect_would_name_in_english():
    """Prefect's form says "'decision' is a required property" for a required field left empty;
    the form says in Chinese to choose, and a form sent empty leaves the draft waiting."""
    from tasks.decision import NoticeDecision

    schema = NoticeDecision.model_json_schema()
    assert not schema.get("required")
    assert "请选择" in schema["properties"]["decision"]["description"]
    assert NoticeDecision().decision is None


def test_a_bad_date_ends_the_intake_run_with_one_chinese_line_too(prefect_server, home):
    from flows.intake import intake

    state = intake(as_of="2020-02-30", return_state=True)
    assert state.is_failed() and state.message.startswith("不是有效的日期或时间：'2020-02-30'")
