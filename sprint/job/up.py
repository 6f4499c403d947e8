"""The main job: a Prefect server, a work pool and worker, the deployments, and a mail sink.

Everything runs on loopback and stops together on Ctrl-C. Prefect is driven through its own
command line and REST API, so this module imports no Prefect code; what Prefect prints goes to
log files under the state folder, and the job prints one block once everything answers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sprint.config.deployments import POOL, write_deployments
from sprint.config.drill import make_live, plan_drill, write_plan
from sprint.config.resources import project_dir
from sprint.config.settings import load_settings
from sprint.demo.simulate import DEMO_UNTIL
from sprint.demo.simulate import seed_demo as write_demo_inbox
from sprint.domain.calendar import BEIJING
from sprint.domain.plan import BUNDLED_PLAN
from sprint.domain.window import finished, window
from sprint.job.banner import Started, banner
from sprint.job.deploy import deploy, tail
from sprint.job.mailsink import MailSink
from sprint.job.robots import local_robots


def wait_healthy(url: str, server: subprocess.Popen, seconds: float = 120,
                 output=lambda: "see its output above") -> None:
    """Until the Prefect server at `url` answers; RuntimeError (with `output()`) when it stops
    or does not answer in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped while starting: {output()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the Prefect server did not answer at {url} within {seconds:.0f} s: "
                       f"{output()}")


def wait_worker(api: str, name: str, worker: subprocess.Popen, seconds: float = 90,
                output=lambda: "") -> None:
    """Until the worker called `name` is online in the pool."""
    request = urllib.request.Request(f"{api}/work_pools/{POOL}/workers/filter", data=b"{}",
                                     headers={"Content-Type": "application/json"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Prefect worker stopped while starting: {output()}")
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                if any(w["name"] == name and w.get("status") == "ONLINE"
                       for w in json.load(answer)):
                    return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect worker was not online within {seconds:.0f} s: {output()}")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main_job(seed_demo: bool = True, drill_day: dt.date | None = None) -> int:
    # Handlers, not SIG_IGN (which a background start inherits), so the children stop on
    # Ctrl-C or SIGTERM too.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    base = load_settings(follow_drill=False)
    base_home = base.home.resolve()
    source_plan = base.plan
    drill = None
    if drill_day is not None:
        drill = plan_drill(base_home, (base.plan_file or BUNDLED_PLAN), source_plan, drill_day)
        plan = write_plan(drill)
        s = base.model_copy(update={"home": drill.home, "plan_file": drill.plan_file})
    else:
        plan, s = source_plan, base
    home = s.home.resolve()
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("SPRINT_PREFECT_PORT", "4200"))
    if not _port_free(port):
        print(f"sprint up：端口 {port} 已被占用（系统是否已经启动？）；"
              "要用别的端口，请设置 SPRINT_PREFECT_PORT，例：SPRINT_PREFECT_PORT=4300 bin/start",
              file=sys.stderr)
        return 1
    paused = finished(plan, dt.datetime.now(BEIJING))
    # The live plan's own deployments (a drill's plan carries its schedules moved).
    prefect_file = write_deployments(home / "prefect.yaml", plan, paused=paused or False,
                                     source=s.plan_file or BUNDLED_PLAN)
    project = project_dir()
    api = f"http://127.0.0.1:{port}/api"
    # The children run in the folder holding flows/ (site-packages, once installed), where
    # this folder's .env is not: its settings go to them in their environment.
    env = _dotenv() | os.environ | {
        "SPRINT_HOME": str(home),
        "SPRINT_INBOX": str(s.inbox_root.resolve()),  # not relative to the children's folder
        "SPRINT_PLAN": str((s.plan_file or BUNDLED_PLAN).resolve()),
        "SPRINT_PROJECT_DIR": str(project),  # where the worker finds flows/
        "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(home / "prefect")),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        # A run that finds its deployment's one slot taken (an intake while the last one runs)
        # tries again after this many seconds; Prefect's 30 made a file wait half a minute.
        "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": os.environ.get(
            "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS", "2"),
    }
    sink = chats = None
    children: list[subprocess.Popen] = []
    try:
        if "SPRINT_SMTP_HOST" not in os.environ:
            # The operator's mail also goes into its mailbox, which `sprint watch` reads (unless
            # a real one is read over IMAP).
            boxes = {} if s.imap_host else {s.sender(): s.mailbox_root.resolve()}
            # Files only: a main job up for a hundred days must not hold every mail in memory.
            sink = MailSink("127.0.0.1", s.smtp_port, maildir=s.mail_root.resolve(),
                            mailboxes=boxes, remember=False).start()
            env["SPRINT_SMTP_PORT"] = str(sink.port)
        chats = local_robots(plan, home / "robots", env)  # the plan's group chats, kept as files
        inbox = s.inbox_root.resolve()
        if seed_demo:
            write_demo_inbox(plan, inbox, until=DEMO_UNTIL + (drill.delta if drill else dt.timedelta(0)))
        children.append(_spawn("prefect", ["server", "start", "--host", "127.0.0.1", "--port", str(port)],
                               env, logs / "server.log"))
        wait_healthy(api, children[0], output=lambda: tail(logs / "server.log"))
        # The warm server imports the flows while the deployments are made; runs started
        # before it listens start cold (sprint/job/warm.py).
        env["SPRINT_WARM_SOCKET"] = str(home / "warm.sock")
        children.append(_spawn("sprint.job.warm", [env["SPRINT_WARM_SOCKET"], str(prefect_file)],
                               env, logs / "warm.log"))
        deploy(prefect_file, env, logs / "deploy.log")
        worker = f"sprint-{os.getpid()}"
        # A run the intake's trigger or the operator's click creates is picked up within this
        # many seconds (Prefect's default is 10): one small query to the server each time.
        # bench/operator.py measured the pick-up at 1.6-1.8 s median with 2 s; 1 s halves it.
        fast = env | {"PREFECT_WORKER_QUERY_SECONDS":
                      os.environ.get("PREFECT_WORKER_QUERY_SECONDS", "1")}
        # Prefect's process worker, its runs forked by the warm server (sprint/job/worker.py).
        children.append(_spawn("sprint.job.worker", ["--pool", POOL, "--name", worker], fast,
                               logs / "worker.log"))
        wait_worker(api, worker, children[-1], output=lambda: tail(logs / "worker.log"))
        # `sprint watch`: announces each file that lands, so the intake answers it at once.
        children.append(_spawn("sprint.commands.cli", ["watch"], env, logs / "watch.log"))
        make_live(base_home, drill)
        mail = (f"{s.mail_root.resolve()}/new/（本地邮件服务 127.0.0.1:{sink.port} 收到的每一封）"
                if sink else f"经 {s.smtp_host}:{s.smtp_port} 发出") + (
            f"；群机器人消息 {chats.folder}/<单位代码>/（本地机器人服务收到的每一条）" if chats else "")
        first = next((d for d in plan.duties if d.cadence), None)  # what to try first
        print(banner(Started(
            ui=f"http://127.0.0.1:{port}", inbox=inbox, mail=mail, logs=logs,
            files=sum(1 for p in inbox.rglob("*") if p.is_file()) if inbox.exists() else 0,
            mail_in=_mail_in(s, sink),
            window=window(plan), paused=paused, drill=drill,
            first_due=first.cadence.first_due if first else None,
            first_flow=first.flow if first else "", sprint=_sprint_command())),
            flush=True)
        while all(c.poll() is None for c in children):
            time.sleep(1)
        print(f"sprint up：有组件停止运行，系统随之停止（日志见 {logs}）", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print(f"sprint up: {e}", file=sys.stderr)
        return 1
    finally:
        for child in reversed(children):
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if sink is not None:
            sink.stop()
        if chats is not None:
            chats.stop()


def _spawn(module: str, args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """`python -m module args` in the background, its output appended to `log` under a line
    saying what started when ("=== prefect server start ...", "=== sprint watch ...")."""
    name = module.split(".")[0]
    with log.open("a") as out:
        out.write(f"\n=== {name} {' '.join(args)} at {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n")
        out.flush()
        return subprocess.Popen([sys.executable, "-m", module, *args], env=env,
                                cwd=env["SPRINT_PROJECT_DIR"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _dotenv() -> dict[str, str]:
    from dotenv import dotenv_values  # pydantic-settings reads .env with it

    found = dotenv_values(".env") if Path(".env").is_file() else {}
    return {k: v for k, v in found.items() if k.startswith("SPRINT_") and v is not None}


def _mail_in(s, sink: MailSink | None) -> str:
    if s.imap_host:
        return f"读取 IMAP {s.imap_user}@{s.imap_host}/{s.imap_folder}，台账附件立即接收并回复"
    where = f"经本地邮件服务 127.0.0.1:{sink.port} " if sink else ""
    return (f"{where}发往 {s.sender()} 的台账附件立即接收并回复；"
            "或 sprint submit 文件 --unit 单位代码 --by-mail")


def _sprint_command() -> str:
    command = Path(sys.executable).parent / "sprint"
    try:
        return str(command.relative_to(Path.cwd()))
    except ValueError:
        return str(command)
