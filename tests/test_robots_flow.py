"""A labor period end to end with group robots (issue 27): the labor-ledger flow on a real
Prefect server, mail to a real SMTP sink, robot messages to the real local robot server."""

from __future__ import annotations

import pytest
import yaml

from flows.duties import duties
from sprint.domain.plan import BUNDLED_PLAN
from sprint.job.robots import RobotServer
from tests.factories import beijing, drop, make_ledger

pytestmark = pytest.mark.integration
SECRET = "SEC-flow-secret"


@pytest.fixture
def chat(home, monkeypatch):
    """The bundled plan's robots (大安市 DingTalk, 洮南市 WeCom, the leading group DingTalk), and
    the operator's, a WeCom robot, so the summary is heard in its chat too."""
    raw = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    for unit in raw["units"]:
        if unit["code"] == raw["operator"]:
            unit["robot"] = {"kind": "wecom", "url_env": "SPRINT_ROBOT_OFFICE_URL"}
    plan = home / "plan.yaml"
    plan.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SPRINT_PLAN", str(plan))
    server = RobotServer(home / "robots", {"daan": SECRET, "ldxz": SECRET}).start()
    for name, value in {"SPRINT_ROBOT_DAAN_URL": server.url("dingtalk", "daan"),
                        "SPRINT_ROBOT_DAAN_SECRET": SECRET,
                        "SPRINT_ROBOT_TAONAN_URL": server.url("wecom", "taonan"),
                        "SPRINT_ROBOT_LDXZ_URL": server.url("dingtalk", "ldxz"),
                        "SPRINT_ROBOT_LDXZ_SECRET": SECRET,
                        "SPRINT_ROBOT_OFFICE_URL": server.url("wecom", "office")}.items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


def shown(server, name):
    return [(kind, payload) for kind, robot, payload in server.received if robot == name]


def test_a_labor_period_is_heard_in_the_group_chats(prefect_server, home, sink, chat):
    """Clause 6①, "每两周周五报送": the period 09-26 to 10-09 falls due 10-09 17:00. As of 10-12
    12:00 (Monday), 大安市's only file was refused, so it is 已逾期2个工作日 (10-10 was a working
    Saturday, 10-12 the second working day): the refusal and the overdue reminder reach its
    DingTalk chat, the reminder @-mentioning its contact; 洮南市 (WeCom) refused and corrected
    within a working day gets one acceptance; the summary reaches the operator's chat. Run
    again, nothing is posted twice; the robots' limit is never exceeded."""
    root = home / "inbox"
    daan = make_ledger("220882", rows=15)
    daan.loc[2, "身份证号"] = daan.loc[2, "身份证号"][:17] + ("1" if daan.loc[2, "身份证号"][17] != "1" else "2")
    drop(root, "220882", "大安市.csv", daan, "2020-10-09 15:00")
    taonan = make_ledger("220881", rows=20)
    bad = taonan.copy()
    bad.loc[3, "务工区域"] = "外省"
    drop(root, "220881", "洮南市.xlsx", bad, "2020-10-09 11:30")
    drop(root, "220881", "洮南市-改.xlsx", taonan, "2020-10-10 10:10")
    drop(root, "220802", "洮北区.xlsx", make_ledger("220802", rows=10), "2020-10-08 15:20")

    state = duties(flow="labor-ledger", as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_completed(), state.message
    assert state.message.endswith("，群消息 4 条")  # the mail counted apart

    texts = {kind: p["markdown"]["text"] for kind, p in shown(chat, "daan")
             for kind in [p["markdown"]["title"]]}
    [refusal] = [t for title, t in texts.items() if "退回" in title]
    assert "退回 大安市.csv：未通过校验，共 1 处问题" in refusal
    assert daan.loc[2, "身份证号"] not in refusal  # the chat is a group: no ID number
    [reminder] = [(kind, p) for kind, p in shown(chat, "daan") if "已逾期" in p["markdown"]["title"]]
    assert reminder[1]["at"] == {"atMobiles": ["13800000882"], "isAtAll": False}
    assert "已逾期2个工作日，截止 2020年10月9日 17:00" in reminder[1]["markdown"]["text"]
    assert reminder[1]["markdown"]["text"].endswith("@13800000882")

    [(kind, accepted)] = shown(chat, "taonan")
    assert kind == "wecom" and accepted["msgtype"] == "markdown"
    assert "已接收 洮南市-改.xlsx：《贫困劳动力转移就业台账》报送期 2020-09-26至2020-10-09，20 行，逾期报送" \
        in accepted["markdown"]["content"]

    [(_, summary)] = shown(chat, "office")
    assert summary["markdown"]["content"].startswith(
        "### 【百日冲刺】贫困劳动力转移就业台账汇总（2020-09-26至2020-10-09）")
    assert len(summary["markdown"]["content"].encode()) <= 4096
    assert "报送情况：应报 7 个单位，已报 2 个（完整率 2 ÷ 7 = 29%）" in summary["markdown"]["content"]
    assert summary["markdown"]["content"].endswith("……（全文见邮件）")  # the head of a long mail
    assert (home / "robots" / "office").is_dir() and list((home / "robots" / "office").glob("*.md"))

    # The mail goes on as before: the unit's full rejection is in its mailbox.
    assert any("退回" in m["Subject"] for rcpt, m in sink.handler.received if "daan@example.org" in rcpt)

    posted = len(chat.received)
    again = duties(flow="labor-ledger", as_of=beijing("2020-10-12 12:30"), return_state=True)
    assert again.is_completed(), again.message
    assert len(chat.received) == posted
    assert chat.over_limit == 0 and chat.refused == []
