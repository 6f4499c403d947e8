"""Sending through yagmail, with its pitfalls kept out.

yagmail opens and authenticates the connection (SSL, STARTTLS, login). We build the MIME message
ourselves (compose.to_mime) because yagmail's builder puts the HTML into the text/plain part,
turns newlines into <br> and gives equal messages equal Message-IDs; and we raise on every
failure, where yagmail's own send returns False and queues the message in memory.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from typing import Protocol

import yagmail


class MailError(Exception):
    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> dict[str, str]: ...
    def send_raw(self, recipients: list[str], data: bytes) -> dict[str, str]: ...
    def close(self) -> None: ...


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _classify(error: Exception) -> MailError:
    code = getattr(error, "smtp_code", None)
    refused = getattr(error, "recipients", None)
    if isinstance(refused, dict) and refused:
        codes = [c for c, _ in refused.values()]
        transient = any(400 <= c < 500 for c in codes)
        detail = "; ".join(f"{a}: {c} {_text(m)}" for a, (c, m) in refused.items())
        return MailError(f"recipients refused: {detail}", transient)
    if isinstance(code, int):
        reason = _text(getattr(error, "smtp_error", b""))
        return MailError(f"server answered {code} {reason}", transient=not 500 <= code < 600)
    return MailError(f"{type(error).__name__}: {error}", transient=True)


class YagmailMailer:
    def __init__(self, host: str, port: int, sender: str, user: str | None = None,
                 password: str | None = None, security: str = "none", timeout: float = 30.0):
        self._options = dict(
            user=user or sender, password=password, host=host, port=port,
            smtp_ssl=security == "ssl", smtp_starttls=security == "starttls",
            smtp_skip_login=not user, soft_email_validation=False, timeout=timeout,
        )
        self._client: yagmail.SMTP | None = None
        self._sender = sender

    def _connected(self) -> yagmail.SMTP:
        if self._client is None:
            client = yagmail.SMTP(**self._options)
            try:
                client.login()
            except Exception as e:  # connection refused, TLS or login failure
                raise _classify(e) from e
            self._client = client
        return self._client

    def send(self, message: EmailMessage) -> dict[str, str]:
        """Send one message; returns the recipients the server refused while taking the others.

        Raises MailError when no recipient got it: transient for 4xx answers and lost
        connections, permanent for 5xx.
        """
        recipients = [a.addr_spec for h in ("To", "Cc", "Bcc") for a in getattr(message[h], "addresses", ())]
        return self.send_raw(recipients, message.as_bytes(policy=policy.SMTP))

    def send_raw(self, recipients: list[str], data: bytes) -> dict[str, str]:
        """Send a message already rendered to bytes, exactly as recorded in the outbox."""
        client = self._connected()
        try:
            refused = client.smtp.sendmail(self._sender, recipients, data)
        except Exception as e:
            if not isinstance(getattr(e, "recipients", None), dict):
                self.close()  # the connection may be broken: reconnect for the next message
            raise _classify(e) from e
        return {addr: f"{code} {_text(reason)}" for addr, (code, reason) in refused.items()}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
