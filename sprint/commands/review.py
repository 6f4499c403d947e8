"""`sprint review`: the accepted files and their review state; a decision on one (有疑问, 已审核,
已退回, or back to 已接收) with a note, from the shell."""

from __future__ import annotations

import getpass
import sys

from sprint.commands.live import as_of_moment
from sprint.domain.calendar import BEIJING
from sprint.domain.filenames import as_sent
from sprint.domain.records import REVIEW_STATES
from sprint.services import reviewing
from sprint.services.context import connect

EXAMPLE = ("例：.venv/bin/sprint review 12 有疑问 --note \"第3行月收入与工资表不符\"；"
           ".venv/bin/sprint review 12 已审核；.venv/bin/sprint review 12 已退回 --note \"请按意见修改后重报\"")


def cmd_review(args) -> int:
    services = connect()
    files = reviewing.reviewable(services)
    if args.id is None:
        if not files:
            print("尚无已接收的文件。")
        for r in files:
            note = f"（{r.review_note}）" if r.review_note else ""
            print(f"#{r.id:<5} {r.review}{note}  {services.plan.unit(r.unit).name} {r.duty} "
                  f"{r.period}  “{as_sent(r.file_name)}” {r.received_at.astimezone(BEIJING):%Y-%m-%d %H:%M}")
        print(f"审核：{EXAMPLE}")
        return 0
    if args.state not in REVIEW_STATES:
        print(f"sprint：审核结果应为 {'、'.join(REVIEW_STATES)} 之一。\n{EXAMPLE}", file=sys.stderr)
        return 2
    receipt = next((r for r in files if r.id == args.id), None)
    if receipt is None:
        print(f"sprint：没有编号为 #{args.id} 的已接收文件（`sprint review` 列出全部）。",
              file=sys.stderr)
        return 1
    now, _ = as_of_moment(services.settings, args.as_of)
    changed, delivery = reviewing.decide(services, receipt, args.state, args.note or "",
                                         args.by or getpass.getuser(), now)
    name = services.plan.unit(receipt.unit).name
    print(f"#{receipt.id} {name}“{as_sent(receipt.file_name)}”：{args.state}"
          + ("" if changed else "（与此前相同，未改动）"))
    if delivery is not None:
        print(f"已通知{name}：发送 {len(delivery.sent)} 封")
        for problem in delivery.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1 if delivery.problems else 0
    return 0


def add_parser(sub, moment) -> None:
    r = sub.add_parser("review", help="the accepted files and their review state; decide one")
    r.add_argument("id", type=int, nargs="?", metavar="ID", help="the file's number (#)")
    r.add_argument("state", nargs="?", default=None, metavar="STATE",
                   help="已接收, 有疑问, 已审核 or 已退回")
    r.add_argument("--note", help="the office's note (sent to the unit with 有疑问 and 已退回)")
    r.add_argument("--by", help="who decides (default: the login name)")
    r.add_argument("--as-of", type=moment, help="the decision's time (default now)")
    r.set_defaults(func=cmd_review)
