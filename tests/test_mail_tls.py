"""Mail over TLS goes only to the server whose certificate checks out: the office's login must
not reach whoever sits between it and its mail server (yagmail's own STARTTLS checks nothing)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from sprint.job.mailsink import KeepingHandler, free_port
from sprint.mailout.mailer import MailError, YagmailMailer


@pytest.fixture
def tls_server(tmp_path):
    """A loopback SMTP server that offers STARTTLS with a certificate signed by itself."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _self_signed(cert, key)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = KeepingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port("127.0.0.1"),
                            tls_context=context, require_starttls=True)
    controller.start()
    yield controller.port, cert, handler
    controller.stop()


def _self_signed(cert, key) -> None:
    """A certificate for 127.0.0.1, signed by its own key (cryptography comes with Prefect: no
    openssl command needed on the machine)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    made = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(private.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(private, hashes.SHA256()))
    cert.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "fupinban@example.org", "taobei@example.org", "催报"
    msg.set_content("请于今日报送。")
    return msg


def test_starttls_to_a_server_whose_certificate_nobody_vouches_for_sends_nothing(tls_server):
    port, _, handler = tls_server
    mailer = YagmailMailer("127.0.0.1", port, "fupinban@example.org", security="starttls")
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        mailer.send(_message())
    mailer.close()
    assert handler.received == []


def test_starttls_to_a_server_with_a_trusted_certificate_delivers(tls_server, monkeypatch):
    port, cert, handler = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # as an office trusting its own mail server
    mailer = YagmailMailer("127.0.0.1", port, "fupinban@example.org", security="starttls")
    assert mailer.send(_message()) == {}
    mailer.close()
    [(_, received)] = handler.received
    assert received["Subject"] == "催报"


def test_a_user_named_without_a_password_sends_without_logging_in(sink):
    """SPRINT_SMTP_USER set and no password: yagmail would look for one in a keyring (here:
    NameError, keyring not installed) or ask at the terminal of a run nobody watches."""
    mailer = YagmailMailer("127.0.0.1", sink.port, "fupinban@example.org", user="fupinban")
    assert mailer.send(_message()) == {}
    mailer.close()
    assert [m["Subject"] for m in sink.messages] == ["催报"]
