"""Group robots beside mail: a unit's WeCom (企业微信) or DingTalk (钉钉) group robot, and which
messages go to robots. The plan names the environment variables holding a robot's webhook URL
and secret, never the URL or the secret themselves."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sprint.domain.plan.base import Strict

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
WECOM, DINGTALK = "wecom", "dingtalk"


class Robot(Strict):
    """`mobile`: the unit's contact, @-mentioned on a reminder that is overdue."""

    kind: Literal["wecom", "dingtalk"]
    url_env: str = Field(pattern=ENV_NAME)
    secret_env: str | None = Field(default=None, pattern=ENV_NAME)  # DingTalk's signing
    mobile: str | None = Field(default=None, pattern=r"^1[0-9]{10}$")


class Robots(Strict):
    """Which kinds of message also go to a robot, and how robots are spared.

    Both services take about 20 messages a minute per robot (DingTalk then throttles it for
    10 minutes): `per_minute` stays at or under that. A robot failing `failures_before_mail_only`
    times in a row falls back to mail only, and the operator is told once."""

    kinds: tuple[str, ...] = ("reminder", "acceptance", "rejection", "items-list", "summary",
                              "notice")
    per_minute: int = Field(default=20, gt=0, le=20)
    window_seconds: float = Field(default=60, gt=0)  # the services' minute; shorter in tests
    hold_minutes: float = Field(default=10, ge=0)  # DingTalk's throttling
    failures_before_mail_only: int = Field(default=3, gt=0)
    timeout_seconds: float = Field(default=10, gt=0)
    office: str | None = None  # the office's reason for these choices (the plan says nothing)
