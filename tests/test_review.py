"""The office's review of an accepted file (issue 26 item 1): 已接收 until the operator marks it
有疑问, 已审核 or 已退回, with a note; 有疑问 and 已退回 send the unit one reply with the note, and
已退回 makes the period owed again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sprint.commands.cli import main
from tests.factories import beijing, drop, labor_ledger, make_ledger

pytestmark = pytest.mark.integration

NOTE = "第3行月收入与工资发放表不符，请核实后重新报送"
PROJECT = Path(__file__).resolve().parents[1]


def _taonan(sink, since):
    return [m for r, m in sink.handler.received[since:] if r == ["taonan@example.org"]]


def _standing(capsys, code="220881", at="2020-10-08 12:00"):
    assert main(["status", "--as-of", at, "--json"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out[out.index("["):])  # after any line the command prints first
    return [r for r in rows if r["任务"] == "贫困劳动力转移就业台账（双周报送）"
            and r["代码"] == code and r["报送期"] == "2020-10-09"]


def test_a_returned_file_is_answered_once_with_the_note_and_owed_again(
        prefect_server, home, sink, capsys):
    """洮南市's labor ledger for the period due 10-09 ("实行双周报送制度") is accepted on 10-07.
    The operator lists it (已接收), asks about it (有疑问), then returns it (已退回), each with
    the note: the unit gets one mail each time, with the note; marking it 已退回 again sends
    nothing more; `sprint status` shows the period owed again (not submitted) with 已退回."""
    drop(home / "inbox", "220881", "洮南.xlsx", make_ledger("220881", 5, seed=3),
         "2020-10-07 09:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    capsys.readouterr()
    assert main(["review"]) == 0
    listing = capsys.readouterr().out
    assert "洮南市" in listing and "已接收" in listing
    number = listing.split("#")[1].split()[0]

    before = len(sink.handler.received)
    assert main(["review", number, "有疑问", "--note", NOTE, "--as-of", "2020-10-07 15:00"]) == 0
    [asked] = _taonan(sink, before)
    assert asked["Subject"].startswith("【百日冲刺】有疑问：洮南市《贫困劳动力转移就业台账》")
    assert NOTE in asked.get_body(("plain",)).get_content()

    before = len(sink.handler.received)
    assert main(["review", number, "已退回", "--note", NOTE, "--as-of", "2020-10-08 09:00"]) == 0
    [returned] = _taonan(sink, before)
    text = returned.get_body(("plain",)).get_content()
    assert returned["Subject"].startswith("【百日冲刺】已退回：洮南市《贫困劳动力转移就业台账》")
    assert NOTE in text and "本期视为未报送" in text
    capsys.readouterr()
    assert main(["review", number, "已退回", "--note", NOTE]) == 0
    assert not _taonan(sink, before + 1)

    [row] = _standing(capsys)
    shown = json.dumps(row, ensure_ascii=False)
    assert "已退回" in shown and "按时报送" not in shown


def test_a_return_counts_from_when_it_was_decided(prefect_server, home, sink, capsys):
    """洮南市's file for the period due 10-09 came 10-07 09:00; the office returns it on 10-10
    09:00. As of 10-08 12:00 the period stood 按时报送 (the return had not happened yet: a run
    or a replay as of that day does not see it); as of 10-10 12:00 it is 已退回 and owed."""
    drop(home / "inbox", "220881", "洮南.xlsx", make_ledger("220881", 5, seed=3),
         "2020-10-07 09:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    capsys.readouterr()
    assert main(["review"]) == 0
    number = capsys.readouterr().out.split("#")[1].split()[0]
    assert main(["review", number, "已退回", "--note", NOTE, "--as-of", "2020-10-10 09:00"]) == 0

    [before] = _standing(capsys)
    shown = json.dumps(before, ensure_ascii=False)
    assert "按时报送" in shown and "已退回" not in shown
    [after] = _standing(capsys, at="2020-10-10 12:00")
    shown = json.dumps(after, ensure_ascii=False)
    assert "已退回" in shown and "按时报送" not in shown


def test_a_review_needs_a_known_state_and_file(prefect_server, home, capsys):
    """A state outside the four is a usage error (exit 2) naming them; an unknown number exit 1."""
    assert main(["review", "1", "通过"]) == 2
    assert "已审核" in capsys.readouterr().err
    assert main(["review", "99", "已审核"]) == 1
    assert "没有编号为 #99 的已接收文件" in capsys.readouterr().err


def test_a_summary_can_count_only_reviewed_files(prefect_server, home, sink, monkeypatch, capsys):
    """A plan whose labor summary says `reviewed_only` (the office's choice, with its reason):
    洮南市 (5 rows, marked 已审核) and 大安市 (4 rows, left 已接收) both send for the period due
    10-09; the summary's compiled ledger holds 洮南市's 5 rows only and says why."""
    from pathlib import Path

    import sprint

    text = (Path(sprint.__file__).parent / "plans" / "baicheng-2020.yaml").read_text("utf-8")
    old = "      chart: migrant-workers                       # the figure charted against its threshold\n"
    assert old in text
    plan = home / "plan.yaml"
    plan.write_text(text.replace(old, old + "      reviewed_only: true\n"
                                 "      reviewed_reason: 汇总只计市扶贫办已审核的台账\n"), "utf-8")
    monkeypatch.setenv("SPRINT_PLAN", str(plan))
    drop(home / "inbox", "220881", "洮南.xlsx", make_ledger("220881", 5, seed=3), "2020-10-07 09:00")
    drop(home / "inbox", "220882", "大安.xlsx", make_ledger("220882", 4, seed=4), "2020-10-07 09:30")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    capsys.readouterr()
    assert main(["review"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if "洮南市" in x]
    assert main(["review", line.split()[0].lstrip("#"), "已审核", "--as-of", "2020-10-08 09:00"]) == 0
    before = len(sink.handler.received)
    labor_ledger(as_of=beijing("2020-10-09 18:00"))
    [summary] = [m for r, m in sink.handler.received[before:] if "汇总" in m["Subject"]]
    body = summary.get_body(("plain",)).get_content()
    assert "本期汇总表只计已审核的台账（汇总只计市扶贫办已审核的台账）" in body
    assert "本期汇总台账（共 5 行" in body


def test_a_review_decided_in_the_prefect_ui_form(prefect_server, home, sink):
    """The `review` flow waits with a typed form for 洮南市's accepted file; answered through
    Prefect's API as the UI's form does (已退回, with the note), the unit gets the reply."""
    import threading

    from flows.review import review
    from tests.approving import Run

    drop(home / "inbox", "220881", "洮南.xlsx", make_ledger("220881", 5, seed=3),
         "2020-10-07 09:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    before = len(sink.handler.received)

    class ReviewRun(Run):
        def __init__(self, **parameters):
            self.state, self.error = None, None
            self.thread = threading.Thread(target=self._go, kwargs=parameters, daemon=True)
            self.thread.start()

        def _go(self, **parameters):
            try:
                self.state = review(**parameters, return_state=True)
            except BaseException as e:  # surfaced by wait()
                self.error = e

    run = ReviewRun(as_of="2020-10-08 09:00")
    run.answer(state="已退回", note=NOTE)
    state = run.wait()
    assert state.is_completed(), state.message
    [returned] = _taonan(sink, before)
    assert returned["Subject"].startswith("【百日冲刺】已退回：洮南市")
    assert NOTE in returned.get_body(("plain",)).get_content()


def test_the_review_deployment_takes_the_forms_answer_and_the_unit_gets_the_reply(
        prefect_server, home, sink):
    """The `review` deployment as `sprint up` deploys it (the plan's prefect.yaml: its name,
    entry point, pool and parameters, no schedule). A run of it is started through Prefect's
    API as the UI's Run button does, and executed as a worker's process executes it: it
    suspends at 洮南市's accepted file, holding nothing; resumed with the form's answer
    (有疑问, with the note) as the UI's Resume form sends it, it runs again and ends Completed,
    and 洮南市 gets one mail with the note."""
    import os

    from prefect import flow, get_client, resume_flow_run

    from sprint.config.deployments import prefect_document
    from sprint.domain.plan import load_plan
    from tests.test_workers import process_pool

    drop(home / "inbox", "220881", "洮南.xlsx", make_ledger("220881", 5, seed=3),
         "2020-10-07 09:00")
    labor_ledger(as_of=beijing("2020-10-07 12:00"))
    [deployed] = [d for d in prefect_document(load_plan())["deployments"] if d["name"] == "review"]
    assert deployed["schedules"] == []
    with get_client(sync_client=True) as client:
        process_pool(client, deployed["work_pool"]["name"])
    deployment_id = flow.from_source(str(PROJECT), deployed["entrypoint"]).deploy(
        deployed["name"], work_pool_name=deployed["work_pool"]["name"],
        parameters=deployed["parameters"], description=deployed["description"],
        concurrency_limit=deployed["concurrency_limit"], build=False, push=False,
        print_next_steps=False, ignore_warnings=True)
    before = len(sink.handler.received)
    here = os.getcwd()  # the deployment's pull step moves into the project folder
    try:
        with get_client(sync_client=True) as client:
            run = client.create_flow_run_from_deployment(
                deployment_id, parameters={"as_of": "2020-10-08 09:00"})
            assert _execute(run.id).name == "Suspended"
            assert not _taonan(sink, before)
            resume_flow_run(run.id, run_input={"state": "有疑问", "note": NOTE})
            done = _execute(run.id)
            assert done.is_completed(), done.message
            assert client.read_flow_run(run.id).name == "review @2020-10-08 09:00"
    finally:
        os.chdir(here)
    [asked] = _taonan(sink, before)
    assert asked["Subject"].startswith("【百日冲刺】有疑问：洮南市《贫困劳动力转移就业台账》")
    assert NOTE in asked.get_body(("plain",)).get_content()


def _execute(run_id):
    """Execute a deployment's flow run as the worker's process does (`python -m prefect.engine`:
    load the run, load its flow from the deployment, run it), here in this process; returns the
    run's state when it suspends or ends."""
    from prefect import get_client
    from prefect.exceptions import Pause
    from prefect.flow_engine import load_flow, load_flow_run, run_flow

    flow_run = load_flow_run(run_id)
    try:
        run_flow(load_flow(flow_run), flow_run=flow_run)
    except Pause:
        pass
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).state
