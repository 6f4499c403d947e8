"""The operator's mailbox on a real IMAP server (Dovecot on loopback): each unit's ledger taken
in once, through a connection dropped in the middle of a fetch and a crash before the message
was flagged; the settings that point the system at a real mailbox."""

from __future__ import annotations

import datetime as dt
import os

import imapclient
import pytest

from sprint.config.settings import Settings, SettingsError, load_settings
from sprint.domain.calendar import BEIJING
from sprint.domain.records import TAKEN
from sprint.mailin.boxes import FLAG, Imap, MailboxError
from sprint.mailin.letter import DUPLICATE, take
from sprint.store.store import Store
from tests import imapd
from tests.letters import ledger_bytes, mail

pytestmark = pytest.mark.skipif(not imapd.available() and not os.environ.get("CI"),
                                reason="Dovecot (dovecot-imapd) is not installed")
NOW = dt.datetime(2020, 10, 8, 12, 0, tzinfo=BEIJING)


@pytest.fixture(scope="module")
def dovecot():
    server = imapd.Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot, tmp_path, plan):
    """An empty INBOX, a store, and a reader's `take`."""
    admin = imapclient.IMAPClient("127.0.0.1", dovecot.port, ssl=False)
    admin.login(imapd.USER, imapd.PASSWORD)
    admin.select_folder("INBOX")
    if uids := admin.search(["ALL"]):
        admin.delete_messages(uids)
        admin.expunge()
    store = Store(f"sqlite:///{tmp_path / 's.db'}")

    def taking(raw, delivered):
        return take(raw, delivered, plan, store, tmp_path / "inbox", tmp_path / "letters", NOW)

    yield admin, store, taking
    admin.logout()


def reader(port: int) -> Imap:
    return Imap("127.0.0.1", port, imapd.USER, imapd.PASSWORD, "none", "INBOX", timeout=10)


def test_a_units_mail_is_taken_once_and_flagged_and_the_servers_date_bounds_its_date(
        dovecot, mailbox, tmp_path):
    admin, store, taking = mailbox
    admin.append("INBOX", mail("taobei@example.org", [("a.xlsx", ledger_bytes(tmp_path))],
                               date="2020-10-08 10:00"),
                 msg_time=dt.datetime(2020, 10, 8, 10, 1, tzinfo=BEIJING))
    box = reader(dovecot.port)
    [t] = box.read(taking)
    assert (t.outcome, t.unit, t.received_at) == (TAKEN, "220802", dt.datetime(2020, 10, 8, 10, 0, tzinfo=BEIJING))
    assert box.read(taking) == []  # flagged: not fetched again
    [(uid, flags)] = admin.get_flags(admin.search(["ALL"])).items()
    assert FLAG.encode() in flags and b"\\Seen" not in flags  # the operator's own reading untouched
    box.close()


def test_a_connection_dropped_mid_fetch_takes_nothing_and_the_next_read_takes_it_once(
        dovecot, mailbox, tmp_path):
    admin, store, taking = mailbox
    admin.append("INBOX", mail("zhenlai@example.org", [("a.xlsx", ledger_bytes(tmp_path, rows=40))]))
    proxy = imapd.Proxy(dovecot.port)
    try:
        box = reader(proxy.port)
        proxy.cut_in_fetch = True
        with pytest.raises(MailboxError) as dropped:
            box.read(taking)
        assert proxy.cuts == 1 and imapd.PASSWORD not in str(dropped.value)
        assert store.letters.all() == []
        [t] = box.read(taking)  # connects again
        assert t.outcome == TAKEN
        assert box.read(taking) == []
        assert len(store.letters.all()) == 1
        assert len(list((tmp_path / "inbox" / "220821").iterdir())) == 1
        box.close()
    finally:
        proxy.close()


class Crash(BaseException):
    """The process dies here (nothing catches it)."""


def test_a_crash_before_the_flag_reads_the_message_again_and_takes_it_in_once(
        dovecot, mailbox, tmp_path, monkeypatch):
    admin, store, taking = mailbox
    admin.append("INBOX", mail("tongyu@example.org", [("a.csv", b"x,y\n1,2\n")]))
    admin.append("INBOX", mail("tongyu@example.org", [("b.csv", b"x,y\n3,4\n")]))

    def crash(self, messages, flags, silent=False):
        raise Crash()

    with monkeypatch.context() as m:
        m.setattr(imapclient.IMAPClient, "add_flags", crash)
        first = reader(dovecot.port)
        with pytest.raises(Crash):
            first.read(taking)  # took the first message, died before flagging it
    assert [x.outcome for x in store.letters.all()] == [TAKEN]
    again = reader(dovecot.port)  # the next process
    taken = again.read(taking)
    assert [t.outcome for t in taken] == [DUPLICATE, TAKEN]
    assert len(store.letters.all()) == 2 and len(list((tmp_path / "inbox" / "220822").iterdir())) == 2
    assert again.read(taking) == []
    again.close()


def test_a_wrong_password_is_a_mailbox_error_that_never_shows_the_password(dovecot, mailbox):
    box = Imap("127.0.0.1", dovecot.port, imapd.USER, "not-the-password", "none")
    with pytest.raises(MailboxError) as e:
        box.read(lambda raw, when: None)
    assert "not-the-password" not in str(e.value)


def test_imap_settings_are_checked_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("SPRINT_HOME", str(tmp_path))
    monkeypatch.setenv("SPRINT_IMAP_HOST", "mail.example.gov.cn")
    with pytest.raises(SettingsError, match="SPRINT_IMAP_USER and SPRINT_IMAP_PASSWORD"):
        load_settings()
    monkeypatch.setenv("SPRINT_IMAP_USER", "fupinban")
    monkeypatch.setenv("SPRINT_IMAP_PASSWORD", "pw")
    monkeypatch.setenv("SPRINT_IMAP_SECURITY", "none")
    with pytest.raises(SettingsError, match="only for a server on this machine"):
        load_settings()
    monkeypatch.setenv("SPRINT_IMAP_SECURITY", "tls")
    with pytest.raises(SettingsError, match="SPRINT_IMAP_SECURITY"):
        load_settings()
    monkeypatch.setenv("SPRINT_IMAP_SECURITY", "starttls")
    s = load_settings()
    assert (s.imap_port_or_default, s.imap_folder) == (143, "INBOX")
    assert Settings(imap_host="127.0.0.1", imap_user="u", imap_password="p",
                    imap_security="ssl").imap_port_or_default == 993
