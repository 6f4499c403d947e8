"""The form the operator fills in the Prefect UI to decide a 通报 draft."""

from __future__ import annotations

from typing import Annotated, get_args

from prefect.input import RunInput
from pydantic import Field, WithJsonSchema

from sprint.services.approval import Choice

# Not required: Prefect's form would say "'decision' is a required property" in English. Shown
# as the one list of choices (as Optional, Prefect's form offered "str / None" tabs instead).
# Sent without a choice, the draft stays waiting (tasks.approval.ask says so in the log).
Decided = Annotated[Choice | None, WithJsonSchema({"type": "string",
                                                   "enum": list(get_args(Choice))})]


class NoticeDecision(RunInput):
    decision: Decided = Field(
        None, title="审批意见（必选）", json_schema_extra=lambda s: s.pop("default", None),
        description="请选择：批准后通报发给草稿所列收件单位；不发送则只留记录。"
                    "不选就提交，草稿仍待审批")
    note: str = Field("", title="附言", description="选择“附言后批准发送”时填写，附在通报正文中")
    reason: str = Field("", title="不发送的理由", description="选择“不发送”时填写，留作记录")
