"""A message as a group chat shows it: short markdown in Chinese, within each service's size
limit, the unit's contact @-mentioned on an overdue reminder; the full text stays in the mail.

Built from the mail's draft context where the run has it (reminders, replies), else from the
mail itself (an approved 通报, a summary): its subject and the first lines of its text."""

from __future__ import annotations

from dataclasses import dataclass

from sprint.domain.plan import Plan, Unit
from sprint.domain.plan.robots import DINGTALK, WECOM
from sprint.domain.records import ROBOT, OutboxKey

LIMITS = {WECOM: 4096, DINGTALK: 20000}  # bytes of markdown each service takes
WECOM_TEXT_LIMIT = 2048  # WeCom's text message, the one that can @ a mobile number
MORE = "\n\n……（全文见邮件）"
REMINDERS = ("reminder", "event")
SHORT_LINES = 12  # of a summary or 通报: the greeting, the basis, the figures that lead


@dataclass(frozen=True)
class ChatMessage:
    key: OutboxKey
    code: str  # the unit whose robot it goes to
    title: str
    payload: dict


def robot_key(key: OutboxKey, code: str) -> OutboxKey:
    """Its own key: one robot message per mail and robot, at most once like the mail."""
    return OutboxKey(key.duty, key.period, code, ROBOT + key.kind, f"{key.unit}:{key.ref}")


def fit(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut on a character, saying the rest is in the mail."""
    if len(text.encode()) <= limit:
        return text
    room = limit - len(MORE.encode())
    return text.encode()[:room].decode(errors="ignore") + MORE


def _lines(kind: str, context: dict | None, text: str) -> tuple[list[str], bool]:
    """The message's lines and whether it is overdue (a reminder past its due time)."""
    sections = (context or {}).get("sections") or []
    if kind in REMINDERS and sections:
        out = []
        for s in sections:
            what = (s["duty"].title if s["duty"].kind == "deadline" or not s.get("template")
                    else s["template"].name)
            out.append(f"- **{what}**（{s['period'].label()}）：{s['standing']}，截止 {s['due_text']}")
        return out, any(s.get("late") for s in sections)
    if kind == "acceptance" and sections:
        return [f"- 已接收 {s['file_name']}：《{s['template'].name}》报送期 {s['period'].label()}，"
                f"{s['rows']} 行，{'按时' if s['on_time'] else '逾期'}报送"
                + (f"，备注 {len(s['remarks'])} 条" if s.get("remarks") else "")
                for s in sections], False
    if kind == "rejection" and context:
        return [f"- 退回 {context['file_name']}：未通过校验，共 {len(context['problems'])} 处问题",
                "- 逐行问题说明已发至贵单位邮箱，修改后请重新报送"], False
    body = [line for line in text.strip().splitlines() if line.strip()]
    if len(body) > SHORT_LINES:  # a chat shows the head of a long mail; the mail has the rest
        body = [*body[:SHORT_LINES], MORE.strip()]
    return body, False


def chat_messages(plan: Plan, key: OutboxKey, codes: list[str], subject: str, text: str,
                  context: dict | None = None) -> list[ChatMessage]:
    """One robot message for each of these units that has a robot, when the plan sends this
    kind to robots."""
    if key.kind not in plan.robots.kinds:
        return []
    robots = [plan.unit(c) for c in codes if plan.has_unit(c)]
    robots = [u for u in robots if u.robot is not None]
    if not robots:
        return []
    lines, overdue = _lines(key.kind, context, text)
    title = subject.strip()
    body = "\n".join(lines)
    return [ChatMessage(robot_key(key, u.code), u.code, title, _payload(u, title, body, overdue))
            for u in robots]


def _payload(unit: Unit, title: str, body: str, overdue: bool) -> dict:
    robot = unit.robot
    mention = robot.mobile if overdue and robot.mobile else None
    if robot.kind == WECOM:
        if mention:  # only WeCom's text message @-mentions by mobile number
            content = fit(f"{title}\n{body.replace('**', '')}", WECOM_TEXT_LIMIT)
            return {"msgtype": "text",
                    "text": {"content": content, "mentioned_mobile_list": [mention]}}
        return {"msgtype": "markdown",
                "markdown": {"content": fit(f"### {title}\n{body}", LIMITS[WECOM])}}
    at = f"\n\n@{mention}" if mention else ""
    text = fit(f"### {title}\n{body}", LIMITS[DINGTALK] - len(at.encode())) + at
    return {"msgtype": "markdown", "markdown": {"title": title[:64], "text": text},
            "at": {"atMobiles": [mention] if mention else [], "isAtAll": False}}
