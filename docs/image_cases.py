"""A case the guide's pictures need and the replay does not make in a few lines: a county's labor
ledger with a worker also in another county's ledger of the period, then its next version (3
rows added, 1 removed, 2 changed), answered by one acceptance that shows the cross-check
warning (交叉核查提示) and the comparison with the version before (较上一版) together. Run by
docs/make_images.py through the same steps as the replay's runs, into a state folder of its own."""

from __future__ import annotations

import datetime as dt
import email
import os
import tempfile
from email import policy
from pathlib import Path

import pandas as pd

from sprint.config.settings import Settings
from sprint.demo.ledgers import labor_rows, write_ledger
from sprint.domain.calendar import BEIJING
from sprint.job.mailsink import MailSink
from sprint.job.replay import run_group
from sprint.services.context import connect

DAY = dt.date(2020, 10, 7)
TAONAN, DAAN = "220881", "220882"


def _drop(inbox: Path, unit: str, name: str, frame: pd.DataFrame, at: str) -> None:
    path = write_ledger(frame.assign(序号=range(1, len(frame) + 1)), inbox / unit / name)
    stamp = dt.datetime.fromisoformat(at).replace(tzinfo=BEIJING).timestamp()
    os.utime(path, (stamp, stamp))


def _run(services, at: str) -> None:
    run_group(services, "labor-ledger", dt.datetime.fromisoformat(at).replace(tzinfo=BEIJING))


def checked_new_version(settings: Settings) -> str:
    """洮南市 sends 8 workers on 10-07; 大安市 5 of its own and 洮南市's first (one ID in two
    counties' ledgers of the period). On 10-08 大安市 sends its ledger again: its first worker
    gone, the next two with a new 月收入(元), three more workers, 洮南市's still there. Returns
    the address whose acceptance to look for (大安市's)."""
    services = connect(settings)
    inbox = settings.inbox_root
    taonan = labor_rows(TAONAN, 8, 3, DAY)
    daan = labor_rows(DAAN, 8, 4, DAY)  # the first 5 sent first; the other 3 come later
    _drop(inbox, TAONAN, "洮南市转移就业台账.xlsx", taonan, "2020-10-07 09:00")
    _drop(inbox, DAAN, "大安市转移就业台账.xlsx", pd.concat([daan.iloc[:5], taonan.iloc[:1]]),
          "2020-10-07 10:00")
    _run(services, "2020-10-07 12:00")
    again = pd.concat([daan.iloc[1:], taonan.iloc[:1]], ignore_index=True)
    again.loc[[0, 1], "月收入(元)"] = again.loc[[0, 1], "月收入(元)"] + 500
    _drop(inbox, DAAN, "大安市转移就业台账（修改）.xlsx", again, "2020-10-08 10:00")
    _run(services, "2020-10-08 12:00")
    return services.plan.unit(DAAN).email


def acceptance_with_checks() -> email.message.EmailMessage:
    """大安市's acceptance of its second version, from the case run in a temporary state folder
    with a local mail server."""
    with tempfile.TemporaryDirectory() as tmp, MailSink(maildir=Path(tmp) / "mail") as sink:
        home = Path(tmp) / "state"
        unit = checked_new_version(Settings(home=home, inbox=home / "inbox", smtp_port=sink.port))
        mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                 for p in sorted((Path(tmp) / "mail" / "new").iterdir())]
    [mail] = [m for m in mails if m["To"] == unit and "较上一版" in m.get_body(("plain",)).get_content()]
    return mail
