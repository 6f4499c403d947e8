"""The one block `sprint up` prints once everything is up: where things are, what to try first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sprint.config.drill import Drill
from sprint.domain.window import Window


@dataclass(frozen=True)
class Started:
    ui: str
    inbox: Path
    files: int
    mail: str  # the Maildir's new/ folder, or the mail server used
    mail_in: str  # where units send their ledgers by mail
    logs: Path
    window: Window
    paused: str | None  # why the schedules are paused
    drill: Drill | None
    first_due: dt.date | None  # the first recurring ledger's first due date, for the try-first run
    sprint: str  # the `sprint` command, as the reader would type it
    first_flow: str = ""  # the group that ledger belongs to


def banner(s: Started) -> str:
    w = s.window
    lines = [f"{w.campaign}调度系统已启动。",
             f"  方案      《{w.title}》，{w.days()}"]
    if s.drill is not None:
        lines.append(f"  {s.drill.describe()}")
    lines.append(f"  定时运行  {s.paused or '按各部署的日程运行（北京时间）'}")
    # Outside the plan's days nothing is owed, so a ledger that comes is kept but not answered:
    # the banner says so, and how a drill brings the plan's days (and the replies) to this week.
    outside = s.paused is not None and s.drill is None
    mail_in = s.mail_in.replace("立即接收并回复", "只收存，不答复（见下方注意）") if outside else s.mail_in
    lines += [f"  界面      {s.ui}",
              f"  收件箱    {s.inbox}/<单位代码>/（现有 {s.files} 个文件）",
              f"  邮件      {s.mail}",
              f"  邮件报送  {mail_in}",
              f"  日志      {s.logs}/（Prefect 服务器、部署与 worker 的输出）"]
    if outside:
        lines += ["注意：今天不在方案的日期内，收到的台账只收存，不答复，也不发提醒。要演练收件、答复"
                  "与提醒，请启动演练（日程平移到下周一起，规则不变）：",
                  "  按 Ctrl-C 停止后运行 bin/start --drill；结束演练：停止后不带 --drill 重新启动。"]
    if s.drill is not None:
        monday = s.drill.first_day - dt.timedelta(days=s.drill.first_day.weekday())
        lines.append(f"先试：{s.sprint} calendar --from {monday} --to {monday + dt.timedelta(days=6)}"
                     "（演练第一周的截止与提醒）；定时运行会按平移后的日程自动发出提醒。")
        lines.append(f"  再次启动本次演练：bin/start --drill {monday}")
    if s.first_due is not None:
        try_at = f"{s.first_due + dt.timedelta(days=3):%Y-%m-%d} 12:00"
        lines.append(f"{'再试' if s.drill else '先试'}：界面 Deployments → {s.first_flow} → Run → "
                     f"Custom run，as_of 填 {try_at}，运行结束后邮件出现在上面的邮件目录；")
        lines.append(f"  或在命令行：{s.sprint} run {s.first_flow} --as-of \"{try_at}\"")
    lines.append("按 Ctrl-C 停止。")
    return "\n".join(lines)
