"""The form the operator fills in the Prefect UI to review an accepted file."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from prefect.input import RunInput
from pydantic import Field, WithJsonSchema

State = Literal["已接收", "有疑问", "已审核", "已退回"]
# Not required, as the 通报 form: sent without a choice, the file stays as it is.
Chosen = Annotated[State | None, WithJsonSchema({"type": "string", "enum": list(get_args(State))})]


class ReviewDecision(RunInput):
    state: Chosen = Field(
        None, title="审核结果（必选）", json_schema_extra=lambda s: s.pop("default", None),
        description="有疑问、已退回：报送单位收到一封附意见的邮件；已退回后本期视为未报送。"
                    "不选就提交，文件保持原状态")
    note: str = Field("", title="意见", description="有疑问、已退回时填写，发给报送单位")
