"""`sprint unlock`: an exception to a period's lock after expiry, for one unit, with its end
date, reason and who opened it; without arguments, the exceptions recorded."""

from __future__ import annotations

import datetime as dt
import getpass
import sys

from sprint.domain import clock
from sprint.domain.calendar import BEIJING
from sprint.services.context import connect
from sprint.services.unlocking import NotOpened, open_exception

EXAMPLE = ("例：.venv/bin/sprint unlock 220821 consumption-counters 2020-10-31 --until 2020-11-20 "
           "--reason \"网络故障，经电话说明同意补报\" --by 李科长")


def _day(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def cmd_unlock(args) -> int:
    services = connect()
    plan = services.plan
    if args.unit is None:
        rows = services.store.unlocks.all()
        if not rows:
            print("没有补报例外。")
        for u in rows:
            print(f"#{u.id} {plan.unit(u.unit).name} {u.duty} {u.period}：可补报至{_day(u.until)}，"
                  f"原因：{u.reason}，开放人：{u.opened_by}")
        return 0
    if None in (args.duty, args.period, args.until, args.reason):
        print(f"sprint：开放补报需写明单位、事项、报送期、--until 截止日期和 --reason 原因。\n{EXAMPLE}",
              file=sys.stderr)
        return 2
    try:
        day = clock.moment(args.period).date()
        until = clock.moment(args.until).date()
    except ValueError as e:
        print(f"sprint：不是有效的报送期或日期（{e}）。\n{EXAMPLE}", file=sys.stderr)
        return 1
    try:
        opened = open_exception(services, args.unit, args.duty, day, until, args.reason,
                                args.by or getpass.getuser(), dt.datetime.now(BEIJING))
    except NotOpened as e:
        print(f"sprint：{e}\n{EXAMPLE}", file=sys.stderr)
        return 1
    print(f"#{opened.number} 已为{opened.unit.name}开放补报：《{opened.duty.title}》报送期"
          f"{opened.period.label()}，至{_day(until)}，原因：{args.reason}，开放人：{opened.by}。"
          "该单位重新报送后，下次运行即接收。")
    return 0


def add_parser(sub) -> None:
    u = sub.add_parser("unlock", help="open an exception to a period's lock after expiry for "
                       "one unit; without arguments, list the exceptions")
    u.add_argument("unit", nargs="?", metavar="UNIT", help="the unit's code")
    u.add_argument("duty", nargs="?", metavar="DUTY", help="the duty id")
    u.add_argument("period", nargs="?", metavar="PERIOD",
                   help="the period: its due date or any day in it")
    u.add_argument("--until", help="the last day a file is taken under the exception")
    u.add_argument("--reason", help="why it is opened (recorded)")
    u.add_argument("--by", help="who opens it (default: the login name)")
    u.set_defaults(func=cmd_unlock)
