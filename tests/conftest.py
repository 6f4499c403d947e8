from __future__ import annotations

import os
import tempfile

import pytest

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The readers' budget of this test session, not the machine's: a replay or a main job reading
# on the same machine would hold its slots (sprint/reading/fence_budget.py).
os.environ["SPRINT_FENCE_DIR"] = tempfile.mkdtemp(prefix="sprint-fence-tests-")

from sprint.domain.plan import load_plan  # noqa: E402
from sprint.job.mailsink import MailSink  # noqa: E402

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
def prefect_server():
    """One real Prefect test server for the whole session (it takes 10-15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
