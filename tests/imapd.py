"""A throwaway IMAP server (Debian's Dovecot) on loopback, for the tests of mail intake.

Its configuration, mail and sockets live in a temporary folder; it listens on 127.0.0.1 on a
free port, without TLS (loopback only), and takes one user with a password. Run as root, it
runs as the `dovecot` system user (made by the Debian package); otherwise as whoever runs the
tests. `Proxy` sits between a client and the server and can cut the connection in the middle
of a message's fetch.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sprint.job.mailsink import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "fupinban", "test-secret-1"


def available() -> bool:
    return Path(DOVECOT).exists() and Path("/usr/lib/dovecot/imap").exists()


class Dovecot:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="sprint-imap-"))
        self.port = free_port("127.0.0.1")
        self.runs_as = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self.process: subprocess.Popen | None = None

    def config(self) -> Path:
        user, group = self.runs_as.pw_name, self.runs_as.pw_gid
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{self.runs_as.pw_uid}:{group}::{self.root}/home/{USER}\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = sprint-test-{self.port}
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {user}
default_internal_group = {grp.getgrgid(group).gr_name}
default_login_user = {user}
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
""")
        return conf

    def start(self) -> Dovecot:
        conf = self.config()
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir()
        if os.geteuid() == 0:
            for p in [self.root, *self.root.rglob("*")]:
                os.chown(p, self.runs_as.pw_uid, self.runs_as.pw_gid)
        # Unprivileged: as root, the whole server runs as the `dovecot` user.
        prefix = ["runuser", "-u", self.runs_as.pw_name, "--"] if os.geteuid() == 0 else []
        self.process = subprocess.Popen([*prefix, DOVECOT, "-F", "-c", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot stopped: {self.process.stderr.read().decode()}"
                                   f"\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


class Proxy:
    """A loopback TCP relay to `port`; `cut_in_fetch` makes it drop the next connection in the
    middle of the server's answer to a fetch of a whole message."""

    def __init__(self, port: int):
        self.target = port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.cut_in_fetch = False
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        try:
            while data := src.recv(65536):
                if from_server and self.cut_in_fetch and b"BODY[]" in data:
                    self.cut_in_fetch = False
                    self.cuts += 1
                    dst.sendall(data[: len(data) // 2])  # half a message, then nothing
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self.server.close()
