"""What a run works with, built once from the settings and passed to every service: the plan,
the store, the shelf of validated ledgers, the mail templates, and how to reach the mail server."""

from __future__ import annotations

import logging

from jinja2 import Environment

from sprint.config.settings import Settings, load_settings
from sprint.domain.plan import Plan
from sprint.mailout.compose import environment
from sprint.mailout.mailer import YagmailMailer
from sprint.store.shelf import Shelf
from sprint.store.store import Store

Log = logging.Logger | logging.LoggerAdapter
QUIET = logging.getLogger("sprint")  # the services' log when the caller gives none


class Services:
    """Not a dataclass on purpose: Prefect walks a task's arguments looking for futures, into
    dataclasses and pydantic models, and walking the plan took 30 ms for every task run."""

    def __init__(self, settings: Settings, plan: Plan, store: Store, shelf: Shelf,
                 templates: Environment):
        self.settings, self.plan, self.store = settings, plan, store
        self.shelf, self.templates = shelf, templates

    def mailer(self) -> YagmailMailer:
        return mailer_from(self.settings, self.sender())

    def sender(self) -> str:
        return self.settings.sender()

    def sender_name(self) -> str:
        return self.plan.unit(self.plan.operator).name


def mailer_from(s: Settings, sender: str) -> YagmailMailer:
    """A mailer to the configured SMTP server, sending as `sender` (the office, or a unit's own
    address for `sprint submit --by-mail`), logging in with the office's account."""
    return YagmailMailer(s.smtp_host, s.smtp_port, sender, s.smtp_user,
                         s.smtp_password.get_secret_value() if s.smtp_password else None,
                         s.smtp_security, s.smtp_timeout)


def connect(settings: Settings | None = None) -> Services:
    """The services of one run (a replay keeps one for all of its runs)."""
    s = settings or load_settings()
    plan = s.plan
    return Services(s, plan, Store(s.db_url), Shelf(plan, s.home / "ledgers"), environment())
