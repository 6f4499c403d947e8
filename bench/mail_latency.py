"""Benchmark: files landing in the running main job, by mail and by folder, and the time each
waits for its answer.

    .venv/bin/python bench/mail_latency.py [--files 100] [--spread 60] [--by-mail 0.5]
        [--home DIR] [--json]

Starts `sprint up --no-demo --drill` (a drill that started eight days ago, so that today is
inside the plan) in a state folder of its own, on free ports; then lands `--files` labor ledgers
of the seven county-level units (each a valid ledger of its own content, 5-40 rows, .xlsx),
evenly over `--spread` seconds: a share `--by-mail` sent as the unit's mail to the operator's
address through the main job's SMTP server, the rest written into the unit's folder (whole,
then renamed in, as a mail program or a file share does). Each answer is found in the mail
folder by the file's SHA-256, which every acceptance carries; its time is when the SMTP server
delivered it. Landing time: when the SMTP server took the unit's mail, or when the file was
renamed into the folder. Reports the median, the 95th percentile and the slowest wait, each
way, and the answers per minute from the first landing to the last answer. Asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
END = "按 Ctrl-C 停止。"
UNITS = ["220802", "220821", "220822", "220881", "220882", "bcjk", "cght"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ledgers(n: int, folder: Path) -> list[tuple[str, Path, str]]:
    """n labor ledgers (unit, path, SHA-256), each of its own content, valid today."""
    from sprint.demo.ledgers import labor_rows, write_ledger

    out = []
    for i in range(n):
        unit = UNITS[i % len(UNITS)]
        frame = labor_rows(unit, 5 + (i * 7) % 36, 1000 + i, dt.date.today())
        path = write_ledger(frame, folder / f"{unit}-{i:03d}.xlsx")
        out.append((unit, path, hashlib.sha256(path.read_bytes()).hexdigest()))
    return out


def send(port: int, unit_email: str, path: Path) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = unit_email, "fupinban@example.org", f"报送 {path.name}"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content("台账见附件。")
    msg.add_attachment(path.read_bytes(), maintype="application", subtype="octet-stream",
                       filename=path.name)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg)


def drop(inbox: Path, unit: str, path: Path) -> None:
    folder = inbox / unit
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.part"
    tmp.write_bytes(path.read_bytes())
    tmp.replace(folder / path.name)


def answers(maildir: Path, seen: set[str], found: dict[str, float]) -> None:
    """Each new message in the mail folder: the SHA-256 it answers, at its delivery time."""
    for entry in os.scandir(maildir):
        if entry.name in seen:
            continue
        seen.add(entry.name)
        msg = message_from_bytes(Path(entry.path).read_bytes(), policy=policy.default)
        body = msg.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        for sha in re.findall(r"文件指纹（SHA-256）：([0-9a-f]{64})", text):
            found.setdefault(sha, entry.stat().st_mtime)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def summary(waits: list[float]) -> dict:
    if not waits:
        return {"n": 0}
    return {"n": len(waits), "median_s": round(statistics.median(waits), 1),
            "p95_s": round(pct(waits, 0.95), 1), "max_s": round(max(waits), 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the landings take")
    parser.add_argument("--by-mail", type=float, default=0.5, help="share sent by mail")
    parser.add_argument("--wait", type=float, default=300.0, help="seconds to wait for answers")
    parser.add_argument("--home", type=Path, help="state folder (default: a new temporary one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from sprint.domain.plan import load_plan

    plan = load_plan()
    root = args.home or Path(tempfile.mkdtemp(prefix="sprint-latency-"))
    root.mkdir(parents=True, exist_ok=True)
    port, smtp = free_port(), free_port()
    drill = (dt.date.today() - dt.timedelta(days=8)).isoformat()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRINT_", "PREFECT_"))}
    env |= {"SPRINT_HOME": str(root / "var"), "SPRINT_PREFECT_PORT": str(port),
            "SPRINT_SMTP_PORT": str(smtp), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    files = ledgers(args.files, root / "files")
    out = root / "up.out"
    started = time.monotonic()
    with out.open("w") as printed:
        job = subprocess.Popen([str(Path(sys.executable).parent / "sprint"), "up", "--no-demo",
                                "--drill", drill], env=env, stdout=printed,
                               stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        while END not in out.read_text() and job.poll() is None:
            time.sleep(0.5)
            if time.monotonic() - started > 240:
                raise SystemExit(f"the main job did not start: {out.read_text()}")
        up_s = time.monotonic() - started
        text = out.read_text()
        maildir = Path(re.search(r"邮件      (\S+)/new/", text).group(1)) / "new"
        inbox = Path(re.search(r"收件箱    (\S+)/<单位代码>", text).group(1))
        time.sleep(5)  # the watcher's first poll

        landed: dict[str, tuple[float, str]] = {}
        gap = args.spread / max(1, len(files))
        mail_every = round(1 / args.by_mail) if args.by_mail > 0 else 0
        first = time.time()
        for i, (unit, path, sha) in enumerate(files):
            due = first + i * gap
            time.sleep(max(0.0, due - time.time()))
            if mail_every and i % mail_every == 0:
                send(smtp, plan.unit(unit).email, path)
                landed[sha] = (time.time(), "mail")
            else:
                drop(inbox, unit, path)
                landed[sha] = (time.time(), "folder")
        last_landing = time.time()

        found: dict[str, float] = {}
        seen: set[str] = set()
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline and not set(landed) <= set(found):
            answers(maildir, seen, found)
            time.sleep(0.5)
    finally:
        job.send_signal(signal.SIGINT)
        job.wait(timeout=60)

    waits = {sha: found[sha] - t for sha, (t, _) in landed.items() if sha in found}
    by_way = {way: [waits[s] for s, (_, w) in landed.items() if w == way and s in waits]
              for way in ("mail", "folder")}
    last_answer = max(found.values()) if found else first
    report = {
        "files": len(files), "landed_over_s": round(last_landing - first, 1),
        "answered": len(waits), "unanswered": len(files) - len(waits),
        "all": summary(list(waits.values())), "by_mail": summary(by_way["mail"]),
        "by_folder": summary(by_way["folder"]),
        "answers_per_minute": round(len(waits) / max(1e-9, last_answer - first) * 60, 1),
        "first_landing_to_last_answer_s": round(last_answer - first, 1),
        "main_job_start_s": round(up_s, 1), "state_folder": str(root),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{report['files']} files landed over {report['landed_over_s']} s "
              f"({report['by_mail']['n']} by mail, {report['by_folder']['n']} by folder); "
              f"{report['answered']} answered, {report['unanswered']} not")
        for way in ("all", "by_mail", "by_folder"):
            s = report[way]
            if s["n"]:
                print(f"  {way:<10} median {s['median_s']} s, p95 {s['p95_s']} s, "
                      f"slowest {s['max_s']} s")
        print(f"  {report['answers_per_minute']} answers a minute, first landing to last "
              f"answer {report['first_landing_to_last_answer_s']} s; the main job started in "
              f"{report['main_job_start_s']} s; state in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
