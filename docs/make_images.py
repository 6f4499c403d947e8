"""The operator's guide's pictures (docs/images/), made as a recipient and an operator see them:
each kind of mail the system sends, rendered by headless Chromium, and the Prefect UI's pages
the guide walks through, from the main job itself.

    .venv/bin/python docs/make_images.py [--out docs/images] [--mail-only | --ui-only]

The mail: the first seven weeks of the bundled plan replayed into a temporary state folder,
one message of each kind screenshot, and the first page of its .xlsx attachment, if it has one,
as LibreOffice prints it; and an acceptance with a cross-check warning and a diff with the
version before (docs/image_cases.py). ID numbers are masked in every picture, the unit's own
replies included: the guide is read by all. The UI: `sprint up` in another temporary state
folder, runs of labor-ledger, deadlines (its 通报 draft waiting) and review (its form
waiting), and the pages: the deployments, the custom-run form, a run's artifacts, the approval
form, the review form (its list open, then filled in, not sent). Needs Debian's chromium,
libreoffice-calc, poppler-utils and fonts-noto-cjk, and Playwright (in the test extra).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import email
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def mail_images(out: Path) -> list[Path]:
    """One picture per kind of mail, from a replay of the plan's first weeks; and the
    acceptance of a new version with a cross-check warning."""
    from sprint.config.settings import Settings
    from sprint.job.mailsink import MailSink
    from sprint.job.replay import replay

    with tempfile.TemporaryDirectory() as tmp, \
            MailSink(maildir=Path(tmp) / "mail") as sink:
        home = Path(tmp) / "state"
        replay(dt.date(2020, 9, 22), dt.date(2020, 11, 10), 2020,
               Settings(home=home, inbox=home / "inbox", smtp_port=sink.port))
        kinds: dict[str, email.message.EmailMessage] = {}
        attached: dict[str, bytes] = {}  # the first .xlsx attachment of each kind
        for message in _messages(Path(tmp) / "mail"):
            kind = message["Message-ID"].strip("<>").split(".")[1]
            kinds.setdefault(kind, message)
            if kind not in attached and (workbook := workbook_of(message)) is not None:
                attached[kind] = workbook
        mails = [shoot(html_of(m), out / f"mail-{kind}.png") for kind, m in sorted(kinds.items())]
        sheets = [printed_page(book, out / f"attachment-{kind}.png")
                  for kind, book in sorted(attached.items())]
    from image_cases import acceptance_with_checks  # a case of its own: see there

    return mails + sheets + [shoot(html_of(acceptance_with_checks()),
                                   out / "mail-acceptance-checks.png")]


def _messages(maildir: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((maildir / "new").iterdir())]


def workbook_of(message) -> bytes | None:
    """The message's first .xlsx attachment, if it has one."""
    for part in message.iter_attachments():
        if (part.get_filename() or "").endswith(".xlsx"):
            return part.get_payload(decode=True)
    return None


def printed_page(workbook: bytes, path: Path) -> Path:
    """The workbook's first printed page, as LibreOffice prints it (A4, as the sheet's print
    settings say), at 110 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "attachment.xlsx"
        book.write_bytes(workbook)
        subprocess.run(["libreoffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(book)],
                       check=True, capture_output=True, timeout=180)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile",
                        str(book.with_suffix(".pdf")), str(path.with_suffix(""))],
                       check=True, capture_output=True, timeout=120)
    return path


def html_of(message) -> str:
    """The HTML part, ID numbers masked, its inline chart put in place (a file has no
    Content-IDs)."""
    from sprint.domain.engine.findings import masked

    html = masked(message.get_body(("html",)).get_content())
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_type().startswith("image/"):
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(f"cid:{cid.strip('<>')}", f"data:{part.get_content_type()};base64,{data}")
    return html


def shoot(html: str, path: Path, width: int = 900) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "mail.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run([CHROMIUM, "--headless", *FLAGS, f"--user-data-dir={tmp}/profile",
                        f"--screenshot={path}", f"--window-size={width},3000", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    return trim(path)


def trim(path: Path) -> Path:
    """The picture cut below the mail, whose page ends in the background's colour."""
    from PIL import Image, ImageChops

    image = Image.open(path).convert("RGB")
    corner = image.getpixel((image.width - 1, image.height - 1))
    box = ImageChops.difference(image, Image.new("RGB", image.size, corner)).getbbox()
    if box:
        image.crop((0, 0, image.width, min(image.height, box[3] + 16))).save(path)
    return path


def ui_images(out: Path) -> list[Path]:
    """The UI's pages, from the main job as a new user starts it."""
    from sprint.job.mailsink import free_port

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port("127.0.0.1")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SPRINT_"))}
        env |= {"SPRINT_HOME": str(Path(tmp) / "var"), "SPRINT_PREFECT_PORT": str(port),
                "SPRINT_SMTP_PORT": str(free_port("127.0.0.1")),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        banner = Path(tmp) / "up.txt"
        with banner.open("w") as log:
            job = subprocess.Popen([str(PROJECT / ".venv" / "bin" / "sprint"), "up"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 240
            while "Ctrl-C" not in banner.read_text() and time.monotonic() < deadline:
                if job.poll() is not None:
                    raise RuntimeError(f"the main job stopped: {banner.read_text()[-2000:]}")
                time.sleep(1)
            runs = _runs(f"http://127.0.0.1:{port}/api")
            return _pages(f"http://127.0.0.1:{port}", runs, out)
        finally:
            os.killpg(job.pid, signal.SIGINT)
            job.wait(timeout=60)


def _runs(api: str) -> dict:
    """A labor-ledger run to read, a deadlines run waiting for a 通报 decision, and a review
    run waiting for the operator's review of the first file the labor-ledger run took in."""
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}

        def run(name: str, as_of: str, until) -> str:
            created = client.create_flow_run_from_deployment(deployments[name].id,
                                                             parameters={"as_of": as_of})
            deadline = time.monotonic() + 240
            while not until(client.read_flow_run(created.id).state):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} as of {as_of} did not get on")
                time.sleep(1)
            return str(created.id)

        over = lambda state: state.is_final()  # noqa: E731
        labor = run("labor-ledger", "2020-10-12 12:00", over)
        run("deadlines", "2020-10-28 10:00", over)
        asking = lambda state: state.is_paused() or state.is_final()  # noqa: E731
        waiting = run("deadlines", "2020-11-02 10:00", asking)
        review = run("review", "2020-10-12 12:00", asking)
        return {"labor": labor, "waiting": waiting, "review": review,
                "deployment": str(deployments["labor-ledger"].id)}


def _pages(base: str, runs: dict, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")

        def show(url: str, name: str, click: str | None = None) -> None:
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            if click:
                target = page.get_by_role("button", name=click)
                (target if target.count() else page.get_by_text(click, exact=True)).first.click()
                page.wait_for_load_state("networkidle")
            snap(name)

        def snap(name: str) -> None:
            time.sleep(1.5)  # the UI's charts settle after the network does
            page.screenshot(path=str(out / f"ui-{name}.png"))
            shots.append(out / f"ui-{name}.png")

        show("/deployments", "deployments")
        show(f"/deployments/deployment/{runs['deployment']}/run", "custom-run")
        show(f"/runs/flow-run/{runs['labor']}", "artifacts", click="Artifacts")
        show(f"/runs/flow-run/{runs['waiting']}", "approval", click="Resume")
        page.goto(base + f"/runs/flow-run/{runs['review']}")
        page.wait_for_load_state("networkidle")
        page.get_by_role("button", name="Resume").first.click()
        # The form's list opens from the keyboard (a click on it was not taken in headless runs).
        page.locator(".p-modal .p-select-button__control").first.focus()
        page.keyboard.press("ArrowDown")
        page.get_by_text("已审核", exact=True).last.wait_for()
        snap("review")
        page.get_by_text("有疑问", exact=True).last.click()
        page.locator(".p-modal textarea").last.fill("第3行与上期台账不一致，请核实后重新报送")
        snap("review-filled")  # not submitted: the picture shows the form as it is sent
        browser.close()
    return shots


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=PROJECT / "docs" / "images")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--mail-only", action="store_true")
    only.add_argument("--ui-only", action="store_true")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.ui_only:
        made = ui_images(args.out)
    elif args.mail_only:
        made = mail_images(args.out)
    else:
        # The UI's half mostly waits (the main job starting, its runs, the pages settling)
        # while the mail's half computes: run side by side, the pictures take the longer
        # half's time, not the sum (issue 25).
        ui = subprocess.Popen([sys.executable, __file__, "--out", str(args.out), "--ui-only"],
                              stdout=subprocess.PIPE, text=True)
        try:
            made = mail_images(args.out)
        finally:
            shown, _ = ui.communicate()
        if ui.returncode != 0:
            return ui.returncode
        made += [args.out / name for name in json.loads(shown.strip().splitlines()[-1])]
    print(json.dumps([str(p.relative_to(args.out)) for p in made], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
