"""Mail intake: a unit's mail with its ledgers placed in its folder, once; everything else in a
mail (its sender, names, zips) kept from doing harm."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from sprint.domain.records import AUTOMATIC, NO_LEDGER, TAKEN, UNKNOWN
from sprint.mailin.boxes import Maildir
from sprint.mailin.letter import DUPLICATE, take
from sprint.mailin.names import placed_name
from sprint.services import intake
from sprint.store.store import Store
from tests.factories import beijing
from tests.letters import ledger_bytes, mail, zipped

NOW = beijing("2020-10-08 10:05")


@pytest.fixture
def box(tmp_path, plan):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")

    def read(raw: bytes, delivered: dt.datetime = NOW, now: dt.datetime = NOW):
        return take(raw, delivered, plan, store, tmp_path / "inbox", tmp_path / "letters", now)

    read.store, read.inbox, read.root = store, tmp_path / "inbox", tmp_path
    return read


def files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_units_ledger_lands_in_its_folder_dated_as_sent_and_is_an_ordinary_submission(
        box, plan, tmp_path):
    raw = mail("洮北区 <TaoBei@example.org>", [("劳动力台账.xlsx", ledger_bytes(tmp_path))])
    t = box(raw)
    assert (t.outcome, t.unit) == (TAKEN, "220802")
    [placed] = (box.inbox / "220802").iterdir()
    assert placed.name.startswith("劳动力台账_") and placed.suffix == ".xlsx"
    assert dt.datetime.fromtimestamp(placed.stat().st_mtime, dt.UTC) == beijing("2020-10-08 10:00")
    arrivals, _ = intake.scan(box.inbox, plan, box.store, NOW)
    assert [(a.unit, a.path) for a in arrivals] == [("220802", placed)]
    [letter] = box.store.letters.all()
    assert letter.outcome == TAKEN and letter.files == [placed.name]
    kept = box.root / letter.kept_path
    assert kept.read_bytes() == raw and letter.kept_path.endswith(f"{letter.sha256[:16]}.eml")


def test_the_same_message_read_twice_is_taken_once_by_its_bytes_or_its_message_id(box, tmp_path):
    raw = mail("zhenlai@example.org", [("a.csv", b"x,y\n1,2\n")], message_id="<m1@example.org>")
    assert box(raw).outcome == TAKEN
    assert box(raw).outcome == DUPLICATE  # a reconnect, a crash before the flag
    relayed = b"Received: from relay\r\n" + raw  # the same message, a header added on its way
    assert box(relayed).outcome == DUPLICATE
    assert len(box.store.letters.all()) == 1 and len(files(box.inbox / "220821")) == 1
    # A mail program that gives every message the same Message-ID loses none of them.
    other = mail("zhenlai@example.org", [("b.csv", b"x,y\n3,4\n")], message_id="<m1@example.org>")
    assert box(other).outcome == TAKEN and len(files(box.inbox / "220821")) == 2


def test_an_unknown_sender_is_recorded_not_placed_and_a_mail_without_ledger_is_noted(box, tmp_path):
    assert box(mail("someone@elsewhere.cn", [("a.xlsx", ledger_bytes(tmp_path))])).outcome == UNKNOWN
    several = mail("taobei@example.org, evil@elsewhere.cn", [("a.xlsx", ledger_bytes(tmp_path))])
    assert box(several).outcome == UNKNOWN
    no = box(mail("tongyu@example.org", [("说明.pdf", b"%PDF-1.4"), ("照片.jpg", b"\xff\xd8")]))
    assert (no.outcome, no.unit) == (NO_LEDGER, "220822")
    assert no.skipped == ["说明.pdf：不是台账格式", "照片.jpg：不是台账格式"]
    auto = box(mail("taonan@example.org", [("a.csv", b"x\n")], headers={"Auto-Submitted": "auto-replied"}))
    assert auto.outcome == AUTOMATIC
    assert not box.inbox.exists() or not any(box.inbox.rglob("*.*"))


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "..\\..\\x.csv", "/abs/path.csv",
                                  ".hidden.csv", "~$lock.xlsx", "a\r\nBcc: x@y.z.csv",
                                  "名单\x00.csv", "../" * 40 + "deep.csv", "台" * 200 + ".csv"])
def test_no_name_in_a_mail_reaches_outside_the_units_folder(box, name):
    raw = mail("daan@example.org", [(name, b"x,y\n1,2\n")])
    t = box(raw)
    assert t.outcome == TAKEN
    [placed] = t.placed
    assert placed.parent == (box.inbox / "220882").resolve()
    assert not placed.name.startswith((".", "~$")) and "/" not in placed.name
    assert len(placed.name.encode()) < 200 and placed.suffix == Path(name).suffix
    everything = {p.resolve() for p in box.root.rglob("*") if p.is_file()}
    assert all(p.is_relative_to(box.root.resolve()) for p in everything)


def test_ledgers_inside_a_zip_are_placed_and_bombs_nests_and_traversal_are_not(box, plan, tmp_path):
    good = ledger_bytes(tmp_path)
    limit = int(plan.limits.max_file_mb * 1024 * 1024)
    archive = zipped({"台账/劳动力台账.xlsx": good, "../../escape.csv": b"a,b\n",
                      "inner.zip": zipped({"x.csv": b"a\n"}), "readme.txt": b"hi",
                      "bomb.csv": b"0" * (limit + 1)})
    t = box(mail("bcjk@example.org", [("报送.zip", archive)]))
    assert t.outcome == TAKEN
    names = sorted(p.name.rsplit("_", 1)[0] for p in t.placed)
    assert names == ["escape", "劳动力台账"]
    assert all(p.parent == (box.inbox / "bcjk").resolve() for p in t.placed)
    assert sorted(t.skipped) == sorted([
        "报送.zip/inner.zip：压缩包内的压缩包未展开", "报送.zip/readme.txt：不是台账格式",
        f"报送.zip/bomb.csv：超过 {plan.limits.max_file_mb:g} MB"])
    broken = box(mail("bcjk@example.org", [("坏.zip", b"PK\x03\x04garbage")]))
    assert broken.outcome == NO_LEDGER and broken.skipped == ["坏.zip：压缩包已损坏，无法打开"]


def test_a_date_later_than_delivery_or_a_day_before_it_gives_way_to_the_delivery(box, tmp_path):
    delivered = beijing("2020-10-10 09:00")
    early = box(mail("cght@example.org", [("a.csv", b"a\n")], date="2020-10-01 09:00"), delivered, delivered)
    late = box(mail("cght@example.org", [("b.csv", b"b\n")], date="2020-10-11 09:00"), delivered, delivered)
    fair = box(mail("cght@example.org", [("c.csv", b"c\n")], date="2020-10-09 17:59"), delivered, delivered)
    assert [early.received_at, late.received_at, fair.received_at] == [
        delivered, delivered, beijing("2020-10-09 17:59")]


def test_a_message_that_cannot_be_read_is_recorded_and_answered_by_no_one(box):
    t = box(b"\xff\xfe" * 10 + b"\r\n\r\n" + os.urandom(2000))
    assert t.outcome in (NO_LEDGER, UNKNOWN, "unreadable") and t.unit is None


def test_the_maildir_reader_moves_each_message_to_cur_once_taken(box, tmp_path):
    import mailbox

    root = tmp_path / "mailbox"
    md = mailbox.Maildir(root, create=True)
    md.add(mail("taobei@example.org", [("a.csv", b"a,b\n")]))
    md.add(b"\x00\xff" * 5000)  # one bad mail among them stops nothing
    md.add(mail("taobei@example.org", [("b.csv", b"c,d\n")]))
    taken = Maildir(root).read(lambda raw, when: box(raw, when, now=dt.datetime.now(dt.UTC)))
    assert sorted(t.outcome for t in taken) == [TAKEN, TAKEN, UNKNOWN]
    assert files(root / "new") == [] and len(files(root / "cur")) == 3
    assert Maildir(root).read(box) == []


def test_a_store_made_before_mail_intake_gets_its_table_when_opened(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE letters")
    assert "letters" not in inspect(engine).get_table_names()
    store = Store(url)
    assert "letters" in inspect(engine).get_table_names() and store.letters.all() == []


def test_placed_names_hold_no_digit_of_their_own_so_no_date_is_read_into_them():
    name = placed_name("台账.xlsx", "20201009" * 8)
    assert name.startswith("台账_") and not any(c.isdigit() for c in name)


def with_from(raw: bytes, header: str) -> bytes:
    """The message with its From header written as a hostile or odd client writes it, byte for
    byte (a mail library would tidy it)."""
    head, blank, body = raw.partition(b"\r\n\r\n")
    lines = [b"From: " + header.encode() if line.lower().startswith(b"from:") else line
             for line in head.split(b"\r\n")]
    return b"\r\n".join(lines) + blank + body


@pytest.mark.parametrize("header", [
    "taobei@example.org <evil@attacker.test>",
    '"taobei@example.org" <evil@attacker.test>',
    "=?utf-8?b?dGFvYmVpQGV4YW1wbGUub3Jn?= <evil@attacker.test>",  # the same, encoded
    '"洮北区 (taobei@example.org)" <evil@attacker.test>',
])
def test_a_sender_disguised_as_a_unit_is_an_unknown_sender(box, tmp_path, header):
    """The sender is the address in angle brackets; a display name holding another address makes
    the mail an unknown sender's: nothing placed in 洮北区's folder, named to the operator with
    both addresses (issue 23, point 4; before, it was read as 洮北区's)."""
    raw = with_from(mail("x@example.org", [("劳动力台账.xlsx", ledger_bytes(tmp_path))]), header)
    t = box(raw)
    assert (t.outcome, t.unit) == (UNKNOWN, None)
    assert not (box.inbox / "220802").exists()
    [letter] = box.store.letters.all()
    assert letter.sender == "evil@attacker.test（显示名冒充 taobei@example.org）"


@pytest.mark.parametrize("header", [
    "taobei@example.org", "<taobei@example.org>", '"洮北区" <TaoBei@example.org>',
    '"洮北区 taobei@example.org" <taobei@example.org>',  # a client that repeats the address
    "taobei@example.org (洮北区扶贫办)",
])
def test_a_units_address_however_its_client_writes_it_is_the_unit(box, tmp_path, header):
    raw = with_from(mail("x@example.org", [("劳动力台账.xlsx", ledger_bytes(tmp_path))]), header)
    assert (box(raw).outcome, box.store.letters.all()[0].unit) == (TAKEN, "220802")


def test_a_forwarded_message_carrying_another_units_ledger_is_not_taken(box, tmp_path):
    """Decided: a ledger inside a forwarded message (message/rfc822) is not taken. Its own sender
    cannot be checked (anyone can write one) and the forwarder's folder would count another
    unit's rows as its own; the forwarder's no-ledger reply names it and asks for the file to be
    attached directly."""
    inner = mail("taobei@example.org", [("洮北区台账.xlsx", ledger_bytes(tmp_path))])
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = ("zhenlai@example.org", "fupinban@example.org",
                                                    "转发：洮北区台账")
    outer["Date"] = "Thu, 08 Oct 2020 10:00:00 +0800"
    outer.set_content("转发洮北区的台账。")
    outer.add_attachment(message_from_bytes(inner, policy=policy.default))
    t = box(outer.as_bytes(policy=outer.policy.clone(linesep="\r\n")))
    assert (t.outcome, t.unit) == (NO_LEDGER, "220821")
    assert t.skipped == ["洮北区台账.xlsx：在转发的邮件中，未读取（请将台账直接作为附件发送）"]
    assert not box.inbox.exists() or not any(box.inbox.rglob("*.xlsx"))
