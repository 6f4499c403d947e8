"""Sending through yagmail, with its pitfalls kept out.

yagmail opens and authenticates the connection (SSL, STARTTLS, login). We build the MIME message
ourselves (compose.to_mime) because yagmail's builder puts the HTML into the text/plain part,
turns newlines into <br> and gives equal messages equal Message-IDs; and we raise on every
failure, where yagmail's own send returns False and queues the message in memory.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

import yagmail


class MailError(Exception):
    """`transient`: worth trying again; `in_doubt`: the whole message went out and no answer came
    back, so it may have arrived, and trying again could deliver it twice; `timed_out`: the
    server said nothing for the whole time-out (a server that never answers costs one per try)."""

    def __init__(self, message: str, transient: bool, in_doubt: bool = False,
                 timed_out: bool = False):
        super().__init__(message)
        self.transient = transient
        self.in_doubt = in_doubt
        self.timed_out = timed_out


def _timed_out(error: BaseException | None) -> bool:
    """Whether a time-out lies behind an error (smtplib reports one while reading an answer as
    SMTPServerDisconnected, with the time-out as its context)."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, TimeoutError):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


# The bytes to send, or what gives them when the server is ready for the message (None: send
# nothing after all).
Content = bytes | Callable[[], bytes | None]


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> dict[str, str]: ...
    def send_raw(self, recipients: list[str], data: Content) -> dict[str, str] | None: ...
    def close(self) -> None: ...


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _answered(code: int, reply: object) -> MailError:
    return MailError(f"server answered {code} {_text(reply)}", transient=not 500 <= code < 600)


def _refused(refused: dict) -> MailError:
    transient = any(400 <= c < 500 for c, _ in refused.values())
    detail = "; ".join(f"{a}: {c} {_text(m)}" for a, (c, m) in refused.items())
    return MailError(f"recipients refused: {detail}", transient)


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _data_lines(content: bytes) -> bytes:
    """The message as DATA sends it: a line starting with "." gets another, and "." ends it."""
    stuffed = _LEADING_DOT.sub(b"..", content)
    return stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _classify(error: Exception) -> MailError:
    code = getattr(error, "smtp_code", None)
    if isinstance(code, int):
        return _answered(code, getattr(error, "smtp_error", b""))
    return MailError(f"{type(error).__name__}: {error}", transient=True,
                     timed_out=_timed_out(error))


class YagmailMailer:
    def __init__(self, host: str, port: int, sender: str, user: str | None = None,
                 password: str | None = None, security: str = "none", timeout: float = 30.0):
        # The server's certificate and name are checked (yagmail's own TLS checks neither), and
        # a login is tried only with both a user and a password (with no password yagmail
        # looks in a keyring, or asks at the terminal).
        checked = {"context": ssl.create_default_context()}
        self._options = dict(
            user=user or sender, password=password, host=host, port=port,
            smtp_ssl=security == "ssl", smtp_starttls=checked if security == "starttls" else False,
            smtp_skip_login=not (user and password), soft_email_validation=False, timeout=timeout,
            **(checked if security == "ssl" else {}),
        )
        self._client: yagmail.SMTP | None = None
        self._sender = sender
        self._mail_from = f"FROM:<{parseaddr(sender)[1] or sender}>"

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

    def send_raw(self, recipients: list[str], data: Content) -> dict[str, str] | None:
        """Send a message already rendered to bytes, exactly as recorded in the outbox; returns
        the recipients refused, or None when `data` gave None and nothing was sent.

        The transaction is the one smtplib's sendmail makes, taken a step at a time so that a
        callable `data` runs while the server reads the MAIL command: the outbox claims the
        message there, and its commit costs no time of its own. The server takes a message
        only at the end of its DATA, so nothing can arrive before the claim is written. And a
        connection lost after the end of the message, before the server's answer, is told
        apart (MailError.in_doubt), where sendmail would have it tried again.
        """
        smtp = self._connected().smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            smtp.putcmd("mail", self._mail_from)
        except Exception as e:
            self._drop()
            raise _classify(e) from e
        try:
            content = data() if callable(data) else data
        except BaseException:
            self._drop()  # the MAIL answer is still unread: start afresh next time
            raise
        try:
            return self._transaction(smtp, recipients, content)
        except MailError:
            raise
        except Exception as e:  # the connection may be broken: reconnect for the next message
            self._drop()
            raise _classify(e) from e
        except BaseException:
            self._drop()
            raise

    def _transaction(self, smtp, recipients: list[str], content: bytes | None):
        code, reply = smtp.getreply()
        if content is None:
            return self._abandon(code, None)
        if code != 250:
            raise self._abandon(code, _answered(code, reply))
        refused = {}
        for address in recipients:
            code, reply = smtp.rcpt(address)
            if code == 421:  # the server is closing: nobody gets it this time
                raise self._abandon(code, _answered(code, reply))
            if code not in (250, 251):
                refused[address] = (code, reply)
        if len(refused) == len(recipients):
            raise self._abandon(code, _refused(refused))
        code, reply = smtp.docmd("data")
        if code != 354:
            raise self._abandon(code, _answered(code, reply))
        smtp.send(_data_lines(content))  # fails before its end: the server drops the message
        try:
            code, reply = smtp.getreply()
        except Exception as e:
            self._drop()
            raise MailError(f"the connection broke after the whole message was sent, before the "
                            f"server answered ({type(e).__name__}): it may have arrived",
                            transient=False, in_doubt=True, timed_out=_timed_out(e)) from e
        if code != 250:
            raise self._abandon(code, _answered(code, reply))
        return {a: f"{c} {_text(m)}" for a, (c, m) in refused.items()}

    def _abandon(self, code: int, error):
        """End the transaction as sendmail does: a 421 closes the connection, else RSET."""
        if code == 421:
            self._drop()
        else:
            try:
                self._client.smtp.rset()
            except Exception:
                self._drop()
        return error

    def _drop(self) -> None:
        """Forget a connection in an unknown state: closed at once, without a QUIT that would
        wait for an answer."""
        client, self._client = self._client, None
        if client is not None:
            client.smtp.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
