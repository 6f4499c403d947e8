from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The readers' budget of this test session, not the machine's: a replay or a main job reading
# on the same machine would hold its slots (sprint/reading/fence_budget.py).
os.environ["SPRINT_FENCE_DIR"] = tempfile.mkdtemp(prefix="sprint-fence-tests-")

from sprint.domain.plan import load_plan  # noqa: E402
from sprint.job.mailsink import MailSink  # noqa: E402
from tests.prefect_db import migrated_copy  # noqa: E402

# A test that asks for one of these starts a server process (Prefect, PostgreSQL, Dovecot): it
# belongs to the integration lane wherever it is, so `-m "not integration"` (the fast lane) never
# waits for one, and a new test is filed there by what it uses, not by remembering a mark.
SERVERS = {"prefect_server", "prefect_pg", "prefect_on_postgres", "postgres", "pg_url", "dovecot"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SERVERS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def plan():
    return load_plan()


@pytest.fixture
def sink():
    with MailSink() as s:
        yield s


@pytest.fixture
def mailer(sink):
    """Mailers to the test's loopback server (or to another sink given), closed when the test
    ends: not left to the garbage collector, which would say QUIT from whatever thread it runs on."""
    from sprint.mailout.mailer import YagmailMailer

    made = []

    def make(to=None):
        made.append(YagmailMailer("127.0.0.1", (sink if to is None else to).port,
                                  "fupinban@example.org"))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def home(tmp_path, monkeypatch, sink):
    """A fresh state folder and inbox, with mail going to a loopback SMTP server."""
    monkeypatch.setenv("SPRINT_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("SPRINT_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("SPRINT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SPRINT_SMTP_PORT", str(sink.port))
    (tmp_path / "inbox").mkdir()
    return tmp_path


@pytest.fixture(scope="session")
def prefect_shared(request, tmp_path_factory) -> Path:
    """Where the migrated Prefect database is kept (tests/prefect_db.py): pytest's cache, kept
    from one session to the next (its name says Prefect's version); without the cache, a folder
    every pytest worker of this session shares (the workers' own are inside it)."""
    if getattr(request.config, "cache", None) is not None:
        return request.config.cache.mkdir("prefect")
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory, prefect_shared):
    """One real Prefect test server for the whole session (of each pytest worker), on a copy of
    a migrated database (tests/prefect_db.py): up in about 5 s rather than 13."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL
    from prefect.testing import utilities

    folder = tmp_path_factory.mktemp("prefect-server")
    database = migrated_copy(prefect_shared, folder / "prefect-test.db")
    with pytest.MonkeyPatch.context() as patch:
        # The harness makes its database in a new folder: this one, which holds the copy.
        patch.setattr(utilities, "mkdtemp", lambda: str(folder))
        with utilities.prefect_test_harness(server_startup_timeout=60):
            used = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
            assert used.endswith(str(database)), (
                f"prefect_test_harness put its database at {used}, not where tests/conftest.py "
                "put the migrated copy: see how this version of Prefect makes its folder")
            yield
