"""The main job: a Prefect server, a work pool and worker, the deployments, and a mail sink.

Everything runs on loopback and stops together on Ctrl-C. Prefect is driven through its own
command line, so this module imports no Prefect code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sprint.demo.simulate import seed_demo as write_demo_inbox
from sprint.mailsink import MailSink
from sprint.settings import load_settings

PROJECT = Path(__file__).resolve().parents[1]
POOL = "sprint"


def _prefect(*args: str, env: dict, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prefect", *args], env=env, cwd=PROJECT,
                          check=check, **kw)


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


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main_job(seed_demo: bool = True) -> int:
    # Handlers, not SIG_IGN (which a background start inherits), so the children stop on
    # Ctrl-C or SIGTERM too.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    s = load_settings()
    home = s.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("SPRINT_PREFECT_PORT", "4200"))
    api = f"http://127.0.0.1:{port}/api"
    env = os.environ | {
        "SPRINT_HOME": str(home),
        "SPRINT_PROJECT_DIR": str(PROJECT),
        "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(home / "prefect")),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
    }
    sink = None
    children: list[subprocess.Popen] = []
    try:
        if "SPRINT_SMTP_HOST" not in os.environ:
            sink = MailSink("127.0.0.1", s.smtp_port, maildir=s.mail_root.resolve()).start()
            env["SPRINT_SMTP_PORT"] = str(sink.port)
        if seed_demo:
            written = write_demo_inbox(s.plan, s.inbox_root.resolve())
            if written:
                print(f"demo inbox: {len(written)} file(s) written under {s.inbox_root.resolve()}")
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start",
                                   "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=PROJECT)
        children.append(server)
        wait_healthy(api, server)
        exists = _prefect("work-pool", "inspect", POOL, env=env, check=False, capture_output=True)
        if exists.returncode != 0:
            _prefect("work-pool", "create", POOL, "--type", "process", env=env)
        _prefect("--no-prompt", "deploy", "--all", env=env)
        children.append(subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start",
                                          "--pool", POOL], env=env, cwd=PROJECT))
        print(
            "\nThe Hundred-Day Sprint system is up.\n"
            f"  Prefect UI : http://127.0.0.1:{port}  (Deployments → labor-ledger → Run)\n"
            f"  inbox      : {s.inbox_root.resolve()}/<unit code>/\n"
            + (f"  mail       : {s.mail_root.resolve()}/new/  (every message the local SMTP "
               f"server on 127.0.0.1:{sink.port} received)\n" if sink else
               f"  mail       : sent through {s.smtp_host}:{s.smtp_port}\n")
            + "Press Ctrl-C to stop.",
            flush=True,
        )
        while all(c.poll() is None for c in children):
            time.sleep(1)
        print("a component stopped; shutting down", file=sys.stderr)
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
