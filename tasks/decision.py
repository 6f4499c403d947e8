"""The form the operator fills in the Prefect UI to decide a 通报 draft."""

from __future__ import annotations

from prefect.input import RunInput
from pydantic import Field

from sprint.services.approval import Choice
from tasks.choice_field import chosen, one_of


class NoticeDecision(RunInput):
    # Sent without a choice, the draft stays waiting (tasks.approval.ask says so in the log).
    decision: one_of(Choice) = chosen(
        "审批意见（必选）", "请选择：批准后通报发给草稿所列收件单位；不发送则只留记录。"
                           "不选就提交，草稿仍待审批")
    note: str = Field("", title="附言", description="选择“附言后批准发送”时填写，附在通报正文中")
    reason: str = Field("", title="不发送的理由", description="选择“不发送”时填写，留作记录")
