"""A poison file beside good ones: the good ones are taken in and summarised in the same run,
the poison is refused with a reply, and the next run does not trip on it again."""

from __future__ import annotations

import json
import os

import openpyxl
import pytest
from prefect.artifacts import Artifact

from sprint.domain.plan import BUNDLED_PLAN
from sprint.reading import ledger
from sprint.store.store import Store
from tests.factories import beijing, drop, labor_ledger, make_ledger
from tests.poison import far_cell_xlsx

pytestmark = pytest.mark.integration
AS_OF = beijing("2020-10-12 12:00")


@pytest.fixture
def lifted(home, monkeypatch):
    """The plan with its size limits lifted, so that the far cell reaches the reader and the
    fence alone stands between it and the run."""
    text = BUNDLED_PLAN.read_text(encoding="utf-8")
    for old, new in (("max_rows: 200000", "max_rows: 2000000"),
                     ("max_columns: 1000", "max_columns: 20000"),
                     ("max_cells: 5000000", "max_cells: 100000000000")):
        assert old in text
        text = text.replace(old, new)
    path = home / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SPRINT_PLAN", str(path))


def poisoned_reader(monkeypatch):
    """A reader that raises on a sheet named 毒, as a parser bug would on one file."""
    real = ledger.recognise

    def recognise(sheets, plan):
        if any(s.name == "毒" for s in sheets):
            raise ZeroDivisionError("a bug no rule foresaw")
        return real(sheets, plan)

    monkeypatch.setattr(ledger, "recognise", recognise)  # the forked readers inherit it


def mail_to(sink, address):
    return [m for rcpt, m in sink.handler.received if address in rcpt]


def reply_to(sink, address):
    [reply] = [m for m in mail_to(sink, address) if m["Subject"].startswith("【百日冲刺】退回")]
    return reply


def test_poison_files_cost_themselves_alone_and_are_not_read_again(
        prefect_server, home, lifted, sink, monkeypatch):
    root = home / "inbox"
    drop(root, "220802", "洮北区.xlsx", make_ledger("220802", rows=5), "2020-10-08 10:00")
    drop(root, "220821", "镇赉县.csv", make_ledger("220821", rows=4), "2020-10-08 11:00")
    drop(root, "cght", "查干浩特.xls", make_ledger("cght", rows=3), "2020-10-08 12:00")
    far = far_cell_xlsx(root / "220822" / "通榆县.xlsx")
    os.utime(far, (beijing("2020-10-08 14:00").timestamp(),) * 2)
    poison = drop(root, "220881", "洮南市.xlsx", make_ledger("220881", rows=4), "2020-10-08 13:00")
    book = openpyxl.load_workbook(poison)
    book.active.title = "毒"
    book.save(poison)
    os.utime(poison, (beijing("2020-10-08 13:00").timestamp(),) * 2)
    poisoned_reader(monkeypatch)

    state = labor_ledger(as_of=AS_OF, return_state=True)
    assert state.is_completed(), state.message

    reply = reply_to(sink, "tongyu@example.org")
    body = reply.get_body(("plain",)).get_content()
    assert "通榆县.xlsx" in reply["Subject"]
    assert "文件结构异常，无法读取（超出内存/时间限制）" in body
    reply = reply_to(sink, "taonan@example.org")
    assert "程序错误 ZeroDivisionError" in reply.get_body(("plain",)).get_content()
    assert "Traceback" not in reply.get_body(("plain",)).get_content()

    intake = Artifact.get("intake").data
    assert "| 220822 | 通榆县.xlsx | 退回 | 文件结构异常" in intake
    assert "reader killed by SIGABRT" in intake and "| ZeroDivisionError |" in intake
    assert intake.count("| 接收 |") == 3
    states = {(r["报送单位"], r["状态"]) for r in json.loads(Artifact.get("labor-ledger-states").data)
              if r["报送期"] == "2020-10-09"}
    for name in ("洮北区", "镇赉县", "查干浩特旅游经济开发区"):
        assert (name, "按时报送") in states
    assert mail_to(sink, "renshe@example.org"), "the summary went out in the same run"

    count, receipts = len(sink.handler.received), len(Store(f"sqlite:///{home / 'var' / 'sprint.db'}").receipts())
    again = labor_ledger(as_of=beijing("2020-10-12 18:00"), return_state=True)
    assert again.is_completed(), again.message
    assert len(sink.handler.received) == count
    assert len(Store(f"sqlite:///{home / 'var' / 'sprint.db'}").receipts()) == receipts == 5
    assert "新收文件：0" in Artifact.get("labor-ledger-summary").data
