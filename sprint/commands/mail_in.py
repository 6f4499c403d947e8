"""`sprint watch`: the watcher of the inbox and the operator's mailbox (sprint/job/watch.py), which
`sprint up` starts; and `sprint submit FILE --unit CODE [--by-mail]`: a unit's submission, put
into its folder or sent as the unit's mail to the operator's address."""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import os
import shutil
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from sprint.config.settings import Settings, load_settings
from sprint.mailin.boxes import Imap, Maildir
from sprint.mailout.mailer import MailError
from sprint.services.context import mailer_from
from sprint.store.store import Store


def mailbox_of(s: Settings) -> Imap | Maildir:
    if s.imap_host:
        return Imap(s.imap_host, s.imap_port_or_default, s.imap_user or "",
                    s.imap_password.get_secret_value() if s.imap_password else "",
                    s.imap_security, s.imap_folder, s.imap_timeout)
    return Maildir(s.mailbox_root.resolve())


def cmd_watch(args) -> int:
    from sprint.job.events import emit, flush
    from sprint.job.watch import Watcher, run

    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per event sent
    s = load_settings()
    mailbox = mailbox_of(s)
    watcher = Watcher(s.plan, Store(s.db_url), s.inbox_root.resolve(), s.letters_root.resolve(),
                      emit, mailbox)
    print(f"收件监视：收件箱 {s.inbox_root.resolve()}，邮箱 {mailbox.describe()}，"
          f"每 {args.interval:g} 秒检查一次", flush=True)
    try:
        if args.once:
            watcher.step()
        else:
            run(watcher, args.interval)
    finally:
        mailbox.close()
        flush()
    return 0


def cmd_submit(args) -> int:
    s = load_settings()
    path: Path = args.file
    if not path.is_file():
        print(f"sprint：找不到文件：{path}", file=sys.stderr)
        return 1
    unit = s.plan.unit(args.unit)
    if not args.by_mail:
        folder = s.inbox_root / unit.code
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".submit-{os.getpid()}.part"  # short: the name itself may hold 250 bytes
        shutil.copyfile(path, tmp)
        tmp.replace(folder / path.name)
        print(f"{path.name} → {folder}/（已放入{unit.name}的报送文件夹）")
        return 0
    to = s.sender()
    msg = EmailMessage()
    msg["From"], msg["To"] = unit.email, to
    msg["Subject"] = args.subject or f"{unit.name}报送：{path.name}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=unit.email.rpartition("@")[2] or None)
    msg.set_content(f"{unit.name}报送台账，见附件。")
    kind = (mimetypes.guess_type(path.name)[0] or "application/octet-stream").split("/")
    msg.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)
    mailer = mailer_from(s, unit.email)  # through yagmail, as all our mail
    try:
        mailer.send(msg)
    except MailError as e:
        print(f"sprint submit：邮件服务器 {s.smtp_host}:{s.smtp_port} 未接收此邮件：{e}",
              file=sys.stderr)
        return 1
    finally:
        mailer.close()
    print(f"{path.name}：已以 {unit.email} 的名义发往 {to}（{msg['Message-ID']}），"
          f"{dt.datetime.now():%H:%M:%S}")
    return 0
