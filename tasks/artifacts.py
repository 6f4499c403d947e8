"""What a run shows in the Prefect UI: a markdown summary and a table of every unit's standing,
attached to the flow run itself (the flow calls this, not a task)."""

from __future__ import annotations

import datetime as dt

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from sprint.domain.engine import Owed
from sprint.domain.engine.states import row
from sprint.mailout.outbox import Delivery
from sprint.services.artifact import intake_table, markdown, states
from sprint.services.context import Services
from sprint.services.intake import Judgement


def publish(services: Services, flow: str, owed_now: Owed, delivery: Delivery,
            judged: list[Judgement], now: dt.datetime, dry_run: bool) -> str:
    text = markdown(services.plan, flow, owed_now, delivery, len(judged), now, dry_run)
    create_markdown_artifact(text, key=f"{flow}-summary", description="本次运行摘要")
    if judged:
        create_markdown_artifact(intake_table(judged), key="intake",
                                 description="本次收到的文件及其结果")
    create_table_artifact(states(owed_now), key=f"{flow}-states",
                          description="每个事项、报送期、单位的状态")
    return text


def idle(flow: str, why: str):
    """A run outside the plan's days: it does nothing, and its state and artifacts say why."""
    from prefect.states import Completed

    create_markdown_artifact(f"# 本次未运行\n\n{why}", key=f"{flow}-summary",
                             description="本次运行摘要")
    create_table_artifact([row("（方案期限外，未处理任何事项）", "", "", "", why)],
                          key=f"{flow}-states", description="每个事项、报送期、单位的状态")
    return Completed(message=why)
