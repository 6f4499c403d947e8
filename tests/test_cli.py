"""The `sprint` command as an operator uses it: exit codes and what it prints."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sprint.demo.ledgers import write_ledger
from tests.factories import drop, make_ledger

pytestmark = pytest.mark.integration  # each test runs the `sprint` command in a subprocess

SPRINT = str(Path(sys.executable).parent / "sprint")


def sprint(*args, env=None, home=None):
    import os

    environment = os.environ | {"SPRINT_HOME": str(home or "/nonexistent-home")} | (env or {})
    return subprocess.run([SPRINT, *args], capture_output=True, text=True, env=environment,
                          timeout=120)


def test_validate_accepts_a_good_ledger(tmp_path):
    path = write_ledger(make_ledger(rows=12), tmp_path / "220802" / "ok.xlsx")
    run = sprint("validate", str(path), "--as-of", "2020-10-09", home=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "台账：《贫困劳动力转移就业台账》" in run.stdout
    assert "数据行：12" in run.stdout and "结果：通过" in run.stdout


def test_validate_names_every_defect_by_row_and_column_and_masks_ids(tmp_path):
    frame = make_ledger(rows=5)
    frame.loc[1, "人员类别"] = "低保户"
    good_id = frame.loc[2, "身份证号"]
    frame.loc[2, "身份证号"] = good_id[:17] + ("1" if good_id[17] != "1" else "2")
    path = write_ledger(frame, tmp_path / "bad.csv")
    run = sprint("validate", str(path), "--unit", "220802", "--as-of", "2020-10-09", home=tmp_path)
    assert run.returncode == 1
    bad_id = frame.loc[2, "身份证号"]
    assert "  第3行 | 人员类别 | 低保户 | 应为以下之一：未脱贫户、已脱贫户、边缘户" in run.stdout
    assert f"  第4行 | 身份证号 | {bad_id[:6]}********{bad_id[-4:]} | 校验码错误" in run.stdout
    assert bad_id not in run.stdout
    assert "结果：未通过，共 2 处问题" in run.stdout


@pytest.mark.parametrize("name, content", [
    ("junk.xlsx", b"\x00\x01garbage" * 100),
    ("junk.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 600),
    ("junk.csv", bytes(range(256)) * 10),
    ("empty.csv", b""),
    ("zip.xlsx", b"PK\x03\x04" + b"\x00" * 100),
    ("photo.jpg", b"\xff\xd8\xff"),
])
def test_validate_never_prints_a_traceback_for_any_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    run = sprint("validate", str(path), home=tmp_path)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "结果：未通过" in run.stdout


def test_validate_of_a_missing_file_or_unknown_unit_is_a_clear_error(tmp_path):
    run = sprint("validate", str(tmp_path / "nope.xlsx"), home=tmp_path)
    assert run.returncode == 1 and "找不到文件" in run.stderr
    path = write_ledger(make_ledger(rows=1), tmp_path / "x.xlsx")
    run = sprint("validate", str(path), "--unit", "999999", home=tmp_path)
    assert run.returncode == 1 and "no unit with the code '999999'" in run.stderr


def test_usage_errors_exit_2(tmp_path):
    assert sprint("validate", home=tmp_path).returncode == 2
    assert sprint("calendar", "--from", "10/09", home=tmp_path).returncode == 2
    assert sprint("nonsense", home=tmp_path).returncode == 2


def test_a_bad_plan_file_stops_with_the_key_named(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("city: 白城市\nyear: twenty\n", encoding="utf-8")
    run = sprint("plan", env={"SPRINT_PLAN": str(plan)}, home=tmp_path)
    assert run.returncode == 1
    assert "year: Input should be a valid integer" in run.stderr
    assert "Traceback" not in run.stderr


def test_calendar_json_lists_periods_due_times_and_reminders(tmp_path):
    run = sprint("calendar", "--from", "2020-10-01", "--to", "2020-10-23", "--json", home=tmp_path)
    assert run.returncode == 0
    every = json.loads(run.stdout)
    assert {"labor-ledger", "rectification-ledger", "two-summaries", "poverty-alleviation-day"} <= {
        r["duty"] for r in every}
    rows = [r for r in every if r["duty"] == "labor-ledger"]
    assert [(r["duty"], r["period"], r["due"]) for r in rows] == [
        ("labor-ledger", "2020-10-09", "2020-10-09T17:00:00+08:00"),
        ("labor-ledger", "2020-10-23", "2020-10-23T17:00:00+08:00"),
    ]
    assert rows[0]["reminders"][3] == {"offset": 1, "at": "2020-10-10T09:00:00+08:00"}
    assert len(rows[0]["units"]) == 7
    text = sprint("calendar", "--from", "2020-10-01", "--to", "2020-10-15", home=tmp_path).stdout
    assert "labor-ledger  2020-09-26..2020-10-09  截止 2020-10-09 17:00" in text


def test_plan_json_maps_every_clause_to_its_duty_flow_and_schedule(tmp_path):
    rows = json.loads(sprint("plan", "--json", home=tmp_path).stdout)
    clauses = {r["clause"].rstrip("①②③④⑤") for r in rows}
    assert clauses == {str(n) for n in range(1, 22)} | {"四(三)"}
    assert all(r["flow"] and r["schedule"] for r in rows)
    assert {r["duty"] for r in rows if r["clause"] == "15"} == {
        "exit-households", "exit-members", "exit-problems", "exit-process"}
    assert all("not deployed" not in r["schedule"] for r in rows)
    labor = next(r for r in rows if r["duty"] == "labor-ledger")
    assert labor["clause"] == "6①" and labor["flow"] == "labor-ledger"
    assert labor["schedule"] == ("labor-ledger：每隔一周周五17:30（北京时间），自2020年10月9日起；"
                                 "labor-ledger-reminders：每天9:00（北京时间）")
    assert [(x["deployment"], x.get("rrule") or x.get("cron")) for x in labor["schedules"]] == [
        ("labor-ledger", "DTSTART:20201009T173000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("labor-ledger-reminders", "0 9 * * *")]
    # Every deadline gives its date's source: the plan's words, or the office's reason.
    deadlines = {r["duty"]: r for r in rows if r["kind"] == "deadline"}
    assert all(r["source"] for r in deadlines.values())
    assert deadlines["inspection-cleared"]["source"] == {
        "by": "plan", "says": "10月底前清零销号", "binding": True}
    freeze = deadlines["houses-before-freeze"]["source"]
    assert freeze["by"] == "office" and freeze["binding"] is False and "上冻前" in freeze["reason"]


def test_plan_lists_the_baselines_the_office_has_not_given(tmp_path):
    """Clause 6①: "紧盯外出务工贫困劳动力总数不低于去年的工作要求". 去年 is no figure of the plan:
    `sprint plan` names, for the operator, whose figure is missing and what until then."""
    run = sprint("plan", home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert ("    待提供：去年（2019年外出务工贫困劳动力总数：市人社局报送《去年外出务工贫困劳动力基数表》，"
            "或市扶贫办在计划文件中填入）："
            "洮北区、镇赉县、通榆县、洮南市、大安市、白城经济开发区、查干浩特旅游经济开发区；"
            "未提供前只列本年数，暂不判定") in run.stdout
    rows = json.loads(sprint("plan", "--json", home=tmp_path).stdout)
    labor = next(r for r in rows if r["duty"] == "labor-ledger")
    assert labor["missing_baselines"] == [{"target": "migrant-workers", "what": "去年", "units": [
        "洮北区", "镇赉县", "通榆县", "洮南市", "大安市", "白城经济开发区", "查干浩特旅游经济开发区"]}]


def test_status_shows_each_unit_state_from_the_store(tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "220802", "a.xlsx", make_ledger(rows=3), "2020-10-08 10:00")
    env = {"SPRINT_INBOX": str(inbox)}
    # Take the file in without mail: the intake step of the flow, from Python.
    from sprint.domain.plan import load_plan
    from sprint.services import intake, receipts
    from sprint.store.store import Store
    from tests.factories import beijing

    store = Store(f"sqlite:///{tmp_path / 'sprint.db'}")
    arrivals, _ = intake.scan(inbox, load_plan(), store, beijing("2020-10-12 12:00"))
    for a in arrivals:
        receipts.record(store, intake.judge(a, intake.keep(a, tmp_path / "kept"), load_plan()))
    run = sprint("status", "--as-of", "2020-10-12", "--json", env=env, home=tmp_path)
    rows = {r["报送单位"]: r["状态"] for r in json.loads(run.stdout)
            if (r["任务"], r["报送期"]) == ("贫困劳动力转移就业台账（双周报送）", "2020-10-09")}
    assert rows["洮北区"] == "按时报送" and rows["大安市"] == "已逾期"


def test_census_names_a_missing_inbox_instead_of_a_traceback(tmp_path):
    done = subprocess.run([SPRINT, "census", "--inbox", str(tmp_path / "nowhere")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"sprint: {tmp_path / 'nowhere'} is not a folder of unit folders"


def test_validate_neutralises_terminal_escapes_and_right_to_left_marks(tmp_path):
    """A cell holding an escape sequence (here one that clears the screen and one that writes
    a fake 结果：通过 in green) or a right-to-left override (U+202E, which shows 'xslx.exe' as
    'exe.xlsx') reaches the operator's terminal shown, not obeyed: each such character printed
    as <U+XXXX>, and no ESC byte or bidi mark in the output at all."""
    frame = make_ledger(rows=3)
    frame.loc[0, "人员类别"] = "\x1b[2J\x1b[32m结果：通过\x1b[0m"
    frame.loc[1, "务工区域"] = "省外\u202eexe.xlsx\u2066"
    path = write_ledger(frame, tmp_path / "bad.csv")
    run = sprint("validate", str(path), "--unit", "220802", "--as-of", "2020-10-09", home=tmp_path)
    assert run.returncode == 1
    assert "\x1b" not in run.stdout and "\u202e" not in run.stdout and "\u2066" not in run.stdout
    assert "  第2行 | 人员类别 | <U+001B>[2J<U+001B>[32m结果：通过<U+001B>[0m | 应为" in run.stdout
    assert "  第3行 | 务工区域 | 省外<U+202E>exe.xlsx<U+2066> | 应为" in run.stdout


def test_a_unit_submits_its_ledger_into_its_folder_or_by_mail_and_a_mail_server_down_is_named(
        tmp_path, sink):
    """`sprint submit` as a unit uses it: the file lands whole in Taobei's folder; by mail it
    reaches the office's address from taobei@example.org through our mailer (yagmail), the
    ledger attached byte for byte; a mail server that is not listening is named, exit 1."""
    path = write_ledger(make_ledger(rows=3), tmp_path / "洮北区劳动力台账.xlsx")
    env = {"SPRINT_INBOX": str(tmp_path / "inbox"), "SPRINT_SMTP_HOST": "127.0.0.1",
           "SPRINT_SMTP_PORT": str(sink.port)}
    placed = sprint("submit", str(path), "--unit", "220802", env=env, home=tmp_path / "var")
    assert placed.returncode == 0, placed.stderr
    assert (tmp_path / "inbox" / "220802" / path.name).read_bytes() == path.read_bytes()

    mailed = sprint("submit", str(path), "--unit", "220802", "--by-mail", env=env,
                    home=tmp_path / "var")
    assert mailed.returncode == 0, mailed.stderr
    assert mailed.stdout.startswith(f"{path.name}：已以 taobei@example.org 的名义发往 fupinban@example.org")
    [message] = sink.messages
    assert (message["From"], message["To"]) == ("taobei@example.org", "fupinban@example.org")
    assert message["Subject"] == f"洮北区报送：{path.name}"
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == path.name and attached.get_content() == path.read_bytes()

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: the connection is refused
        down = sprint("submit", str(path), "--unit", "220802", "--by-mail",
                      env=env | {"SPRINT_SMTP_PORT": str(port)}, home=tmp_path / "var")
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.startswith(f"sprint submit：邮件服务器 127.0.0.1:{port} 未接收此邮件：")
