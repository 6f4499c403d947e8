"""Settings from the environment (or a .env file); a bad value stops with a clear message."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sprint.config.drill import DrillError, live
from sprint.domain.plan import BUNDLED_PLAN, Plan, load_plan


@lru_cache(maxsize=8)
def _plan_at(path: Path, mtime_ns: int) -> Plan:
    """The plan, read again only when its file changes (a replay asks for it thousands of times)."""
    return load_plan(path)


class SettingsError(ValueError):
    pass


LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPRINT_", env_file=".env", extra="ignore")

    home: Path = Path("var")
    inbox: Path | None = None
    plan_file: Path | None = Field(default=None, validation_alias="SPRINT_PLAN")
    database_url: SecretStr | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, gt=0, lt=65536)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout: float = Field(default=30.0, gt=0)
    mail_from: str | None = None
    # The operator's mailbox, read for ledgers units send by mail (sprint/mailin). Without an
    # IMAP host, the Maildir the main job's local SMTP server delivers the operator's mail into.
    imap_host: str | None = None
    imap_port: int | None = Field(default=None, gt=0, lt=65536)
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    imap_folder: str = Field(default="INBOX", min_length=1)
    imap_timeout: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _imap_complete(self) -> Settings:
        if self.imap_host is not None:
            if not self.imap_host.strip():
                raise ValueError("SPRINT_IMAP_HOST is empty: unset it to read the local mailbox")
            if not self.imap_user or self.imap_password is None:
                raise ValueError("SPRINT_IMAP_HOST is set: SPRINT_IMAP_USER and "
                                 "SPRINT_IMAP_PASSWORD must be set too")
            if self.imap_security == "none" and self.imap_host not in LOOPBACK:
                raise ValueError("SPRINT_IMAP_SECURITY=none sends the password in clear: only "
                                 "for a server on this machine (127.0.0.1, localhost)")
        return self

    @property
    def imap_port_or_default(self) -> int:
        return self.imap_port or (993 if self.imap_security == "ssl" else 143)

    @property
    def mailbox_root(self) -> Path:
        """The local Maildir of the operator's incoming mail (no IMAP host set)."""
        return self.home / "mailbox"

    @property
    def letters_root(self) -> Path:
        """Every message read from the mailbox, kept whole as .eml."""
        return self.home / "letters"

    @property
    def inbox_root(self) -> Path:
        return self.inbox or self.home / "inbox"

    @property
    def kept_root(self) -> Path:
        return self.home / "kept"

    @property
    def mail_root(self) -> Path:
        return self.home / "mail"

    @property
    def dry_run_root(self) -> Path:
        return self.home / "dry-run"

    @property
    def db_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.home / 'sprint.db').resolve()}"

    @property
    def plan(self) -> Plan:
        path = (self.plan_file or BUNDLED_PLAN).resolve()
        return _plan_at(path, path.stat().st_mtime_ns if path.exists() else 0)

    def sender(self) -> str:
        return self.mail_from or self.plan.unit(self.plan.operator).email


def load_settings(follow_drill: bool = True) -> Settings:
    """The settings; while a drill started from this state folder is live (`sprint up --drill`)
    and SPRINT_PLAN is not set, its state folder and moved plan."""
    try:
        s = Settings()
    except ValidationError as e:
        lines = [f"  SPRINT_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}" if err["loc"]
                 else f"  {err['msg'].removeprefix('Value error, ')}" for err in e.errors()]
        raise SettingsError("bad setting(s):\n" + "\n".join(lines)) from None
    if not follow_drill or s.plan_file is not None:
        return s
    try:
        drill = live(s.home)
    except DrillError as e:
        raise SettingsError(str(e)) from None
    if drill is None:
        return s
    return s.model_copy(update={"home": drill.home, "plan_file": drill.plan_file})
