"""A throwaway PostgreSQL cluster, and a Prefect server on it, for the integration tests.

The cluster is made by initdb in a temporary folder, listens on 127.0.0.1 on a free port (its
socket in that folder, so it never meets a system cluster), and is stopped and deleted at the
end. PostgreSQL refuses to run as root, so as root every PostgreSQL command runs as the
`postgres` system user (made by the Debian package). Each test database belongs to its own
login role with a password, as a real deployment would have it: on PostgreSQL 15 only the
database's owner may create tables in `public`, which is what the store and Prefect do.

Tests use these fixtures through `pytest_plugins = ["tests.pg"]`, so both test modules share
one cluster and one Prefect server.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sprint.job.mailsink import free_port
from sprint.job.up import wait_healthy

SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest, else the ones on PATH."""
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                    key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres() -> list[str]:
    """The prefix that runs a command as the cluster's owner (postgres refuses root)."""
    return ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []


@dataclass
class Cluster:
    bin: Path
    root: Path  # holds the data folder, the socket and the server's log
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(12))

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*_as_postgres(), str(self.bin / args[0]), *args[1:]], cwd=self.root,
                              capture_output=True, text=True)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    @classmethod
    def start(cls) -> Cluster:
        # Not pytest's tmp_path: its folders are closed to every user but root.
        cluster = cls(binaries(), Path(tempfile.mkdtemp(prefix="sprint-pg-")))
        try:
            if os.geteuid() == 0:
                owner = pwd.getpwnam(SUPERUSER)
                os.chown(cluster.root, owner.pw_uid, owner.pw_gid)
            secret = cluster.root / "pw"
            secret.write_text(cluster.password)
            if os.geteuid() == 0:
                os.chown(secret, owner.pw_uid, owner.pw_gid)
            # Loopback connections need a password, as on a real server; the socket does not.
            cluster._run("initdb", "-D", str(cluster.data), "-U", SUPERUSER, f"--pwfile={secret}",
                         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                         "--locale=C", "--no-sync", "--no-instructions")
            secret.unlink()
            for attempt in range(3):  # the free port may be taken between asking and binding
                cluster.port = free_port("127.0.0.1")
                # A test cluster needs no durability: without fsync it starts and commits faster.
                options = (f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {cluster.root} "
                           "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
                try:
                    cluster._run("pg_ctl", "-D", str(cluster.data), "-l", str(cluster.log),
                                 "-o", options, "-w", "-t", "60", "start")
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
            return cluster
        except BaseException:
            shutil.rmtree(cluster.root, ignore_errors=True)
            raise

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None,
            driver: str = "psycopg") -> str:
        return (f"postgresql+{driver}://{user}:{password or self.password}"
                f"@127.0.0.1:{self.port}/{database}")

    def new_database(self, name: str, driver: str = "psycopg") -> str:
        """A new empty database owned by a new role of the same name; its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql

        password = secrets.token_hex(12)
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             password=self.password, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(name)))
        return self.url(name, name, password, driver)


def unavailable() -> str | None:
    """Why no cluster can be made here, or None."""
    if binaries() is None:
        return "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return "running as root, and there is no 'postgres' user to run PostgreSQL as"
    return None


def require() -> None:
    """Skip where PostgreSQL is missing, except on CI (CI set), where a missing PostgreSQL fails
    the tests instead of letting them pass unseen."""
    reason = unavailable()
    if reason:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests (.ci/run installs it)",
                        pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL cluster for the session."""
    require()
    cluster = Cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


_names = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(postgres, request):
    """A fresh database of the cluster for one test: its psycopg SQLAlchemy URL."""
    base = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    return postgres.new_database(f"t{next(_names)}_{base}")


@dataclass
class PrefectServer:
    api: str
    env: dict  # for Prefect commands that talk to it (workers): no database URL
    database_url: str
    log: Path
    process: subprocess.Popen

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="session")
def prefect_on_postgres(postgres):
    """A Prefect server (`prefect server start`) whose database is on the cluster."""
    root = Path(tempfile.mkdtemp(prefix="sprint-prefect-"))
    port = free_port("127.0.0.1")
    api = f"http://127.0.0.1:{port}/api"
    database_url = postgres.new_database("prefect", driver="asyncpg")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(root / "home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start",
                                    "--host", "127.0.0.1", "--port", str(port)],
                                   env=env | {"PREFECT_API_DATABASE_CONNECTION_URL": database_url},
                                   stdout=out, stderr=subprocess.STDOUT, cwd=root)
    server = PrefectServer(api, env, database_url, log, process)
    try:
        wait_healthy(server.api, server.process, 120, lambda: "\n" + server.tail())
        yield server
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def prefect_pg(prefect_on_postgres):
    """This process's flows and client talk to the Prefect server on PostgreSQL."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: prefect_on_postgres.api}):
        yield prefect_on_postgres
        # Logs and events reach this server before the settings change back.
        APILogWorker.instance().drain()
        EventsWorker.instance().drain()


def stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """Ask a child to stop, then make it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
