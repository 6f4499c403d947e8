"""Hostile input: no field adds a header or recipient, HTML is escaped, formulas are defused,
and no ID number or secret reaches a log, an artifact or a mail other than the unit's own reply."""

from __future__ import annotations

import io
import logging
import re

import openpyxl
import pytest
from prefect.artifacts import Artifact

from tests.factories import beijing, drop, labor_ledger, make_ledger

pytestmark = pytest.mark.integration
AS_OF = beijing("2020-10-12 12:00")
ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).propagate = True
    return caplog


def test_a_file_name_or_cell_cannot_add_a_header_or_a_recipient_and_html_is_escaped(
        prefect_server, home, sink):
    bad = make_ledger("220881", rows=3)
    bad.loc[0, "人员类别"] = "<script>alert(1)</script>"
    drop(home / "inbox", "220881", "x\r\nBcc: spy@evil.test\r\nX.xlsx", bad, "2020-10-09 10:00")
    labor_ledger(as_of=AS_OF, return_state=True)
    [(to, reply)] = [(r, m) for r, m in sink.handler.received if "退回" in m["Subject"]]
    assert to == ["taonan@example.org"]
    assert reply["Bcc"] is None and "\n" not in reply["Subject"]
    assert all("evil.test" not in ",".join(r) for r, _ in sink.handler.received)
    html = reply.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_cells_that_would_run_as_formulas_are_defused_in_the_attachment(prefect_server, home, sink):
    frame = make_ledger("220802", rows=4)
    frame.loc[0, "就业单位"] = '=HYPERLINK("http://evil.test","点我")'
    frame.loc[1, "就业单位"] = "+1+1"
    frame.loc[2, "就业单位"] = "@SUM(A1)"
    frame.loc[3, "就业单位"] = "-2+3"
    drop(home / "inbox", "220802", "a.csv", frame, "2020-10-08 10:00")  # text: no formulas yet
    labor_ledger(as_of=AS_OF, return_state=True)
    [summary] = [m for r, m in sink.handler.received if "renshe@example.org" in r]
    [part] = list(summary.iter_attachments())
    sheet = openpyxl.load_workbook(io.BytesIO(part.get_payload(decode=True))).active
    header = [c.value for c in sheet[1]]
    column = header.index("就业单位") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 6)]
    assert [c.value for c in cells] == ["'=HYPERLINK(\"http://evil.test\",\"点我\")", "'+1+1",
                                        "'@SUM(A1)", "'-2+3"]
    assert all(c.data_type == "s" for c in cells)


def test_no_id_number_or_secret_in_logs_artifacts_or_other_mail(prefect_server, home, sink, logs,
                                                                monkeypatch):
    good = make_ledger("220802", rows=5)
    bad = make_ledger("220881", rows=5)
    bad.loc[2, "身份证号"] = bad.loc[2, "身份证号"][:17] + ("1" if bad.loc[2, "身份证号"][17] != "1" else "2")
    drop(home / "inbox", "220802", "ok.xlsx", good, "2020-10-08 10:00")
    drop(home / "inbox", "220881", "bad.xlsx", bad, "2020-10-09 10:00")
    labor_ledger(as_of=AS_OF, return_state=True)

    text_of_logs = "\n".join(r.getMessage() for r in logs.records)
    assert "220881" in text_of_logs  # the logs were captured
    assert not ID.search(text_of_logs)
    for key in ("labor-ledger-summary", "labor-ledger-states"):
        assert not ID.search(Artifact.get(key).data)
    for to, message in sink.handler.received:
        whole = message.as_string()
        if "退回" in message["Subject"]:  # the unit's own reply names its own rows in full
            assert to == ["taonan@example.org"]
            assert bad.loc[2, "身份证号"] in message.get_body(("plain",)).get_content()
        else:
            assert not ID.search(whole.replace("=\n", "")), to

    monkeypatch.setenv("SPRINT_SMTP_USER", "fupinban")
    monkeypatch.setenv("SPRINT_SMTP_PASSWORD", "Pw-S3cret-91")
    drop(home / "inbox", "220821", "late.xlsx", make_ledger("220821", rows=2), "2020-10-13 10:00")
    state = labor_ledger(as_of=beijing("2020-10-13 12:00"), return_state=True)
    assert state.is_failed()  # the sink offers no login: the mail waits, the run says so
    seen = "\n".join([state.message, Artifact.get("labor-ledger-summary").data,
                      "\n".join(r.getMessage() for r in logs.records)])
    assert "AUTH" in seen and "Pw-S3cret-91" not in seen
    kept = b"".join(p.read_bytes() for p in (home / "var").rglob("*") if p.is_file())
    assert b"Pw-S3cret-91" not in kept
