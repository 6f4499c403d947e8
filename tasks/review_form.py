"""The form the operator fills in the Prefect UI to review an accepted file."""

from __future__ import annotations

from typing import Literal

from prefect.input import RunInput
from pydantic import Field

from tasks.choice_field import chosen, one_of

State = Literal["已接收", "有疑问", "已审核", "已退回"]


class ReviewDecision(RunInput):
    # Sent without a choice, the file stays as it is.
    state: one_of(State) = chosen(
        "审核结果（必选）", "有疑问、已退回：报送单位收到一封附意见的邮件；已退回后本期视为未报送。"
                           "不选就提交，文件保持原状态")
    note: str = Field("", title="意见", description="有疑问、已退回时填写，发给报送单位")
