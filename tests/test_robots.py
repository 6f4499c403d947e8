"""Group robots beside mail (issue 27): WeCom and DingTalk messages, rendered, recorded in the
outbox and posted to a real local robot server on loopback (sprint.job.robots)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import subprocess
import sys
import textwrap
import time
import urllib.parse

import pytest

from sprint.chat import client
from sprint.chat import delivery as robots
from sprint.chat.render import LIMITS, chat_messages, fit
from sprint.domain.plan import load_plan
from sprint.domain.records import OutboxKey
from sprint.job.robots import RobotServer
from sprint.store.store import Store

NOW = dt.datetime(2020, 10, 12, 4, 0, tzinfo=dt.UTC)
SECRET = "SEC-test-secret"


def plan_with(per_minute=20, window=60.0, failures=3):
    plan = load_plan()
    return plan.model_copy(update={"robots": plan.robots.model_copy(update={
        "per_minute": per_minute, "window_seconds": window,
        "failures_before_mail_only": failures})})


@pytest.fixture
def server(tmp_path):
    s = RobotServer(tmp_path / "robots", {"daan": SECRET, "ldxz": SECRET}).start()
    yield s
    s.stop()


@pytest.fixture
def env(server):
    return {"SPRINT_ROBOT_DAAN_URL": server.url("dingtalk", "daan"),
            "SPRINT_ROBOT_DAAN_SECRET": SECRET,
            "SPRINT_ROBOT_TAONAN_URL": server.url("wecom", "taonan"),
            "SPRINT_ROBOT_LDXZ_URL": server.url("dingtalk", "ldxz"),
            "SPRINT_ROBOT_LDXZ_SECRET": SECRET}


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'store.db'}")


def notices(plan, unit, n, kind="summary"):
    return [c for i in range(n) for c in chat_messages(
        plan, OutboxKey("labor-ledger", "2020-10-09", unit, kind, f"r{i}"), [unit],
        f"【百日冲刺】第{i + 1}条", "汇总：已报5/7")]


def test_dingtalk_signature_is_the_documented_hmac():
    """DingTalk: "把timestamp+"\\n"+密钥当做签名字符串，使用HmacSHA256算法计算签名，然后进行
    Base64 encode，最后再把签名参数再进行urlEncode". Worked independently here for 1600000000000."""
    digest = hmac.new(b"SECabc", b"1600000000000\nSECabc", hashlib.sha256).digest()
    expected = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    assert client.sign("SECabc", 1600000000000) == expected
    assert "%" in expected or expected.isalnum()  # URL-encoded: no bare + / =
    url = client.signed_url("http://127.0.0.1:1/robot/send?access_token=t", "SECabc", 1600000000000)
    assert url.endswith(f"&timestamp=1600000000000&sign={expected}")


def test_a_long_message_fits_each_service_and_says_the_rest_is_in_the_mail():
    """WeCom's markdown takes 4096 bytes, DingTalk's 20000: a notice of 3,000 Chinese characters
    (9,000 bytes) is cut for WeCom, whole for DingTalk."""
    long = "某单位未按时报送。" * 334  # 3,006 characters, 9,018 bytes
    assert len(fit(long, LIMITS["wecom"]).encode()) <= 4096
    assert fit(long, LIMITS["wecom"]).endswith("（全文见邮件）")
    assert fit(long, LIMITS["dingtalk"]) == long


def test_each_message_is_posted_once_and_kept_as_the_chat_shows_it(store, server, env, tmp_path):
    plan = plan_with()
    chats = notices(plan, "220882", 2) + notices(plan, "220881", 1) + notices(plan, "220802", 1)
    assert len(chats) == 3  # 洮北区 has no robot: mail only
    assert robots.enqueue(store, plan, chats, NOW, env) == 3
    assert robots.enqueue(store, plan, chats, NOW, env) == 0  # at most once per key
    report = robots.deliver(store, plan, NOW, env)
    assert len(report.sent) == 3 and not report.problems
    assert robots.deliver(store, plan, NOW, env).sent == []
    assert [(k, n) for k, n, _ in server.received] == [
        ("dingtalk", "daan"), ("dingtalk", "daan"), ("wecom", "taonan")]
    shown = sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "robots" / "daan").glob("*.md"))
    assert shown == ["### 【百日冲刺】第1条\n汇总：已报5/7", "### 【百日冲刺】第2条\n汇总：已报5/7"]


def test_a_wrong_signature_is_refused_by_the_server_and_named(store, server, env):
    plan = plan_with()
    robots.enqueue(store, plan, notices(plan, "220882", 1), NOW, env)
    report = robots.deliver(store, plan, NOW, env | {"SPRINT_ROBOT_DAAN_SECRET": "wrong"})
    assert server.received == [] and len(report.failed) == 1
    assert "310000" in report.failed[0] and "sign not match" in report.failed[0]


def test_messages_are_spread_so_a_robot_never_gets_more_than_its_limit(store, tmp_path, env):
    """"每个机器人发送的消息不能超过20条/分钟": twelve messages to one robot whose server takes 5
    per 2-second window arrive all, none refused (the minute scaled down, the rule the same)."""
    server = RobotServer(tmp_path / "r", {"daan": SECRET}, limit=5, window=2.0).start()
    try:
        plan = plan_with(per_minute=5, window=2.0)
        robots.enqueue(store, plan, notices(plan, "220882", 12), NOW, env)
        report = robots.deliver(store, plan, NOW, env | {
            "SPRINT_ROBOT_DAAN_URL": server.url("dingtalk", "daan")})
        assert len(report.sent) == 12 and not report.problems
        assert server.over_limit == 0 and server.refused == []
        assert len(server.received) == 12
    finally:
        server.stop()


def test_dingtalk_throttling_holds_the_robots_queue_instead_of_failing(store, tmp_path, env):
    """"超过20条/分钟……会被限流10分钟": a robot the plan lets send faster than its service takes
    (limit 2 here) is answered 130101 on the third: that and the rest wait, pending, held."""
    server = RobotServer(tmp_path / "r", {"daan": SECRET}, limit=2, window=60).start()
    try:
        plan = plan_with(per_minute=20)
        robots.enqueue(store, plan, notices(plan, "220882", 5), NOW, env)
        url = env | {"SPRINT_ROBOT_DAAN_URL": server.url("dingtalk", "daan")}
        report = robots.deliver(store, plan, NOW, url)
        assert len(report.sent) == 2 and report.failed == []
        assert len(report.deferred) == 3 and "130101" in report.deferred[0]
        assert store.robots.get("220882").held_until is not None
        again = robots.deliver(store, plan, NOW, url)  # within the 10 minutes: nothing posted
        assert again.sent == [] and len(server.refused) == 1
        pending = [r for r in store.outbox_rows("pending", with_message=False)]
        assert len(pending) == 3
    finally:
        server.stop()


def test_a_robot_that_keeps_failing_falls_back_to_mail_and_is_named_once(store, server, env):
    plan = plan_with(failures=3)
    server.fail_with["taonan"] = (93000, "invalid webhook url")
    robots.enqueue(store, plan, notices(plan, "220881", 5), NOW, env)
    report = robots.deliver(store, plan, NOW, env)
    named = [p for p in report.failed if p.startswith("robot 220881")]
    assert len(named) == 1 and "已改为仅发送邮件" in named[0]
    assert len(report.failed) == 4  # three tries and the notice; the other two never posted
    robots.enqueue(store, plan, notices(plan, "220881", 8), NOW, env)  # a later run
    later = robots.deliver(store, plan, NOW, env)
    assert later.failed == [] and later.sent == []
    assert len(server.refused) == 3


def test_nothing_twice_after_a_kill_mid_delivery(store, tmp_path, env):
    """A run killed (-9) while a robot's answer is on its way: that message is in doubt, named,
    never posted again by itself; the others go once."""
    server = RobotServer(tmp_path / "r", {"daan": SECRET}).start()
    server.delay = 30.0  # the first post is held: the child is killed while it waits
    env = env | {"SPRINT_ROBOT_DAAN_URL": server.url("dingtalk", "daan")}
    plan = plan_with()
    robots.enqueue(store, plan, notices(plan, "220882", 3), NOW, env)
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import datetime as dt
        from sprint.chat import delivery
        from sprint.domain.plan import load_plan
        from sprint.store.store import Store
        delivery.deliver(Store({store.engine.url.render_as_string(False)!r}), load_plan(),
                         dt.datetime(2020, 10, 12, 4, tzinfo=dt.UTC))
        """)], env=os.environ | env)
    try:
        for _ in range(600):
            if server.arrived:
                break
            time.sleep(0.05)
        assert server.arrived == 1
        child.kill()
        child.wait()
        server.delay = 0.0
        report = robots.deliver(store, plan, NOW, env)
        assert len(report.in_doubt) == 1 and "sprint outbox --resend" in report.in_doubt[0]
        assert len(report.sent) == 2
        statuses = sorted(r["status"] for r in store.outbox_rows(with_message=False))
        assert statuses == ["doubt", "sent", "sent"]
        assert robots.deliver(store, plan, NOW, env).sent == []
    finally:
        server.stop()


def test_sprint_up_points_the_plans_robots_at_a_local_server_and_keeps_what_it_takes(tmp_path):
    """`sprint up`'s robots: every robot of the demo plan whose URL variable is unset gets the
    local server's URL (DingTalk's with a secret it checks); a real robot's URL is left alone."""
    from sprint.job.robots import local_robots

    env = {"SPRINT_ROBOT_TAONAN_URL": "http://127.0.0.1:9/cgi-bin/webhook/send?key=real"}
    server = local_robots(load_plan(), tmp_path / "robots", env)
    try:
        assert env["SPRINT_ROBOT_TAONAN_URL"].endswith("key=real")
        assert env["SPRINT_ROBOT_DAAN_URL"].startswith("http://127.0.0.1:")
        assert len(env["SPRINT_ROBOT_DAAN_SECRET"]) == 32
        payload = client.payload_bytes({"msgtype": "markdown", "markdown": {
            "title": "催报", "text": "### 催报\n- 已逾期2个工作日"}, "at": {"atMobiles": []}})
        answer = client.post("dingtalk", env["SPRINT_ROBOT_DAAN_URL"],
                             env["SPRINT_ROBOT_DAAN_SECRET"], payload)
        assert answer.sent, answer.error
        assert [p.read_text(encoding="utf-8") for p in (tmp_path / "robots" / "220882").glob("*.md")] \
            == ["### 催报\n- 已逾期2个工作日"]
    finally:
        server.stop()


def test_a_lost_answer_leaves_the_message_in_doubt_never_posted_again(store, server, env):
    """The robot took the message but its answer never came (our time-out, 0.3 s here): it may
    be in the chat, so it is in doubt, named, and not posted again by itself."""
    plan = plan_with()
    plan = plan.model_copy(update={"robots": plan.robots.model_copy(update={"timeout_seconds": 0.3})})
    server.delay = 1.0
    robots.enqueue(store, plan, notices(plan, "220881", 1), NOW, env)
    report = robots.deliver(store, plan, NOW, env)
    assert report.sent == [] and len(report.in_doubt) == 1
    assert "已发出但未收到应答" in report.in_doubt[0]
    server.delay = 0.0
    assert robots.deliver(store, plan, NOW, env).sent == []
    assert [r["status"] for r in store.outbox_rows(with_message=False)] == ["doubt"]


def test_an_approved_notice_reaches_the_leading_groups_chat_beside_its_mail(home, sink, server,
                                                                            env, monkeypatch):
    """四(三) "随时通报市脱贫攻坚领导小组": an approved 通报 goes by mail to the leading group and
    the operator, and, short, to the leading group's DingTalk chat (the operator has none)."""
    from sprint.mailout.compose import Message
    from sprint.services import sending
    from sprint.services.context import connect

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    services = connect()
    text = "关于洮南市、大安市贫困劳动力转移就业台账逾期未报的通报\n\n" + "一、基本情况。\n" * 3000
    notice = Message(OutboxKey("labor-ledger", "2020-10-09", "ldxz", "notice", "abc"),
                     ["lingdao@example.org", "fupinban@example.org"],
                     "【百日冲刺】通报：逾期未报送", text, f"<p>{text}</p>")
    delivery = sending.send(services, [notice], "labor-ledger", NOW, dry_run=False)
    assert len(delivery.sent) == 2 and not delivery.problems  # the mail and the chat
    assert sorted(r for rcpt, _ in sink.handler.received for r in rcpt) == [
        "fupinban@example.org", "lingdao@example.org"]
    [(kind, robot, payload)] = server.received
    assert (kind, robot) == ("dingtalk", "ldxz")
    shown = payload["markdown"]["text"]
    assert shown.startswith("### 【百日冲刺】通报：逾期未报送\n关于洮南市、大安市")
    assert shown.endswith("（全文见邮件）") and len(shown.encode()) <= 20000


def test_the_operator_is_told_once_by_mail_that_a_robot_fell_back_to_mail(home, sink, server,
                                                                         env, monkeypatch):
    """A robot that keeps failing (here its webhook is refused, errcode 93000) makes the run's
    delivery report to 市扶贫办 name it once; the units' mail goes all the same, and a later run
    neither posts to it nor tells the operator again."""
    from sprint.mailout.compose import Message
    from sprint.services import sending
    from sprint.services.context import connect

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server.fail_with["taonan"] = (93000, "invalid webhook url")
    services = connect()

    def reminders(tag, n):
        return [Message(OutboxKey("labor-ledger", "2020-10-09", "220881", "summary", f"{tag}{i}"),
                        ["taonan@example.org"], f"【百日冲刺】第{i}条", "正文", "<p>正文</p>")
                for i in range(n)]

    sending.send(services, reminders("a", 4), "labor-ledger", NOW, dry_run=False)
    to_office = [m for rcpt, m in sink.handler.received if rcpt == ["fupinban@example.org"]]
    [report] = to_office
    body = report.get_body(("plain",)).get_content()
    assert body.count("群机器人连续 3 次发送失败") == 1 and "已改为仅发送邮件" in body
    assert sum(1 for rcpt, _ in sink.handler.received if rcpt == ["taonan@example.org"]) == 4

    sending.send(services, reminders("b", 2), "labor-ledger", NOW, dry_run=False)
    assert [m for rcpt, m in sink.handler.received if rcpt == ["fupinban@example.org"]] == to_office
    assert len(server.refused) == 3 and server.received == []


def test_a_dry_run_writes_the_robot_messages_beside_the_mail_and_posts_none(home, sink, server,
                                                                            env, monkeypatch):
    from sprint.mailout.compose import Message
    from sprint.services import sending
    from sprint.services.context import connect

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    m = Message(OutboxKey("labor-ledger", "2020-10-09", "220882", "summary", "x"),
                ["daan@example.org"], "【百日冲刺】汇总", "正文", "<p>正文</p>")
    sending.send(connect(), [m], "labor-ledger", NOW, dry_run=True)
    [written] = (home / "var" / "dry-run").rglob("robot-*.json")
    assert written.name == "robot-001-220882.json" and "【百日冲刺】汇总" in written.read_text("utf-8")
    assert server.received == [] and sink.handler.received == []


def test_a_mended_robot_is_brought_back_from_the_command_line(home, server, env, monkeypatch,
                                                              capsys):
    """The notice says how: `sprint outbox --robot-back UNIT`; then the robot posts again."""
    from sprint.commands.cli import main

    monkeypatch.setenv("SPRINT_HOME", str(home / "var"))
    store = Store(f"sqlite:///{home / 'var' / 'sprint.db'}")
    plan = plan_with(failures=1)
    server.fail_with["taonan"] = (93000, "invalid webhook url")
    robots.enqueue(store, plan, notices(plan, "220881", 1), NOW, env)
    [_, told] = robots.deliver(store, plan, NOW, env).failed
    assert ".venv/bin/sprint outbox --robot-back 220881" in told
    del server.fail_with["taonan"]
    assert main(["outbox", "--robot-back", "220881"]) == 0
    assert "群机器人 220881：已恢复，下次运行起重新发送群消息" in capsys.readouterr().out
    assert main(["outbox", "--robot-back", "220881"]) == 1  # not fallen back any more
    robots.enqueue(store, plan, notices(plan, "220881", 2)[1:], NOW, env)
    assert len(robots.deliver(store, plan, NOW, env).sent) == 1


def test_an_overdue_reminder_mentions_the_contact_in_wecom_by_a_text_message(plan):
    """WeCom's markdown cannot @ a mobile number; its text message can (mentioned_mobile_list,
    2,048 bytes): an overdue reminder to 洮南市's WeCom chat goes as text, @13800000881; one not
    yet overdue goes as markdown, mentioning no one."""
    from sprint.domain.calendar import Period

    duty = plan.duty("labor-ledger")
    period = Period("labor-ledger", "2020-10-09", dt.date(2020, 9, 26), dt.date(2020, 10, 9),
                    dt.datetime(2020, 10, 9, 9, 0, tzinfo=dt.UTC), ())
    section = {"duty": duty, "template": plan.templates[duty.template], "period": period,
               "due_text": "2020年10月9日 17:00", "standing": "已逾期2个工作日", "late": True}
    key = OutboxKey("labor-ledger", "2020-10-09", "220881", "reminder", "r")
    [late] = chat_messages(plan, key, ["220881"], "【百日冲刺】已逾期2个工作日", "", {"sections": [section]})
    assert late.payload["msgtype"] == "text"
    assert late.payload["text"]["mentioned_mobile_list"] == ["13800000881"]
    assert late.payload["text"]["content"] == (
        "【百日冲刺】已逾期2个工作日\n- 贫困劳动力转移就业台账（2020-09-26至2020-10-09）："
        "已逾期2个工作日，截止 2020年10月9日 17:00")
    early = section | {"standing": "还有2个工作日截止", "late": False}
    [soon] = chat_messages(plan, key, ["220881"], "【百日冲刺】还有2个工作日截止", "", {"sections": [early]})
    assert soon.payload["msgtype"] == "markdown" and "mentioned_mobile_list" not in str(soon.payload)


def test_the_server_refuses_a_signature_older_than_an_hour(server):
    """DingTalk: "timestamp……与请求调用时间误差不能超过1小时"."""
    import httpx

    old = int(time.time() * 1000) - 2 * 3600 * 1000
    body = client.payload_bytes({"msgtype": "text", "text": {"content": "测试"}})
    answer = httpx.post(client.signed_url(server.url("dingtalk", "daan"), SECRET, old), content=body)
    assert answer.json()["errcode"] == 310000 and "timestamp" in answer.json()["errmsg"]
    fresh = httpx.post(client.signed_url(server.url("dingtalk", "daan"), SECRET), content=body)
    assert fresh.json() == {"errcode": 0, "errmsg": "ok"}
