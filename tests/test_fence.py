"""The fence: a file whose reader aborts, hangs or eats memory costs that file only."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path

import pytest

from sprint.domain.plan import Limits
from sprint.reading import fence, ledger
from sprint.reading.one_verdict import BROKEN, validate_fenced
from tests.factories import make_ledger
from tests.poison import far_cell_xls, far_cell_xlsx

DAY = dt.date(2020, 10, 9)
A_VALID_ID = "22080219880512001X"


def unfenced_sizes(plan):
    """The plan with its size limits lifted, so that only the fence stands in the way."""
    limits = plan.limits.model_copy(update={"max_rows": 2_000_000, "max_columns": 20_000,
                                            "max_cells": 10**12})
    return plan.model_copy(update={"limits": limits})


def test_a_cell_at_xfd1048576_is_refused_before_the_sheet_is_parsed(plan, tmp_path):
    path = far_cell_xlsx(tmp_path / "far.xlsx")
    assert path.stat().st_size < 8 * 1024
    verdict = validate_fenced(path, plan, "220802", DAY)
    [problem] = verdict.problems
    assert "1,048,576 行，超过上限 200,000 行" in problem.reason
    assert "删去空白和无关的行列" in problem.reason
    assert verdict.failure is None  # refused by its declared size: no reader was started


def test_a_legacy_sheet_declaring_sixteen_million_cells_is_refused_before_it_is_parsed(
        plan, tmp_path):
    [problem] = validate_fenced(far_cell_xls(tmp_path / "far.xls"), plan, "220802",
                                DAY).problems
    assert "65,536 行 × 256 列，超过上限 5,000,000 个单元格" in problem.reason


def test_a_reader_that_aborts_costs_that_file_only(plan, tmp_path, caplog):
    path = far_cell_xlsx(tmp_path / "far.xlsx")
    lifted = unfenced_sizes(plan)
    with caplog.at_level(logging.WARNING, logger="sprint"):
        verdict = validate_fenced(path, lifted, "220802", DAY)
    [problem] = verdict.problems
    assert problem.reason.startswith(BROKEN)
    assert verdict.failure == "reader killed by SIGABRT"  # calamine asked for 550 GB
    assert "far.xlsx: refused, its reader failed: killed by SIGABRT" in caplog.text
    good = make_ledger(rows=3)
    good.to_csv(tmp_path / "good.csv", index=False)
    assert validate_fenced(tmp_path / "good.csv", lifted, "220802", DAY).accepted


def _eat_memory():
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


def _spin():
    while True:
        pass


def _sleep():
    time.sleep(3600)


@pytest.mark.parametrize(("work", "limits", "how"), [
    (_eat_memory, Limits(reader_memory_mb=256), "out of memory (MemoryError)"),
    (_spin, Limits(reader_cpu_seconds=1), "CPU time passed"),
    (_sleep, Limits(reader_wall_seconds=1), "wall time passed: killed"),
], ids=["memory", "cpu", "wall"])
@pytest.mark.integration  # spends a CPU limit: ~6 s
def test_a_reader_past_its_limits_is_stopped_and_says_how(work, limits, how):
    with pytest.raises(fence.Broken) as broken:
        fence.call(work, limits=limits)
    assert broken.value.how == how


def test_the_fence_returns_the_value_or_the_exception_of_the_work():
    assert fence.call(sum, [1, 2, 3], limits=Limits()) == 6
    raised = fence.call(int, "x", limits=Limits())
    assert isinstance(raised, fence.Raised) and raised.kind == "ValueError"
    assert "invalid literal" in raised.trace


def test_children_at_once_each_get_their_own_answer():
    answers = fence.map_calls(_answer_or_die, [(1,), (2,), (3,), (4,)], Limits(), processes=2)
    assert answers[0] == 1 and answers[2] == 3 and answers[3] == 4
    assert isinstance(answers[1], fence.Broken) and answers[1].how == "killed by SIGABRT"


def _answer_or_die(n):
    if n == 2:

        os.abort()
    return n


def test_an_error_no_rule_foresaw_refuses_the_file_naming_its_kind_and_logs_it_masked(
        plan, tmp_path, monkeypatch, caplog):
    def broken(sheets, plan):
        raise KeyError(f"no rule for {A_VALID_ID}")

    monkeypatch.setattr(ledger, "recognise", broken)  # the forked reader inherits it
    make_ledger(rows=3).to_csv(tmp_path / "a.csv", index=False)
    with caplog.at_level(logging.ERROR, logger="sprint"):
        verdict = validate_fenced(tmp_path / "a.csv", plan, "220802", DAY)
    [problem] = verdict.problems
    assert "程序错误 KeyError" in problem.reason and A_VALID_ID not in problem.reason
    assert verdict.failure == "KeyError"
    assert "a.csv: refused, reading it raised KeyError" in caplog.text
    assert "Traceback" in caplog.text and "220802********001X" in caplog.text
    assert A_VALID_ID not in caplog.text


def test_without_the_fence_the_same_verdicts_come_from_this_process(plan, tmp_path):
    make_ledger(rows=3).to_csv(tmp_path / "a.csv", index=False)
    bare = plan.model_copy(update={"limits": plan.limits.model_copy(update={"fence": False})})
    fenced = validate_fenced(tmp_path / "a.csv", plan, "220802", DAY)
    unfenced = validate_fenced(tmp_path / "a.csv", bare, "220802", DAY)
    assert fenced.accepted and unfenced.accepted
    assert fenced.ledger.equals(unfenced.ledger)


def test_a_panic_inside_the_spreadsheet_reader_is_a_refusal_not_a_program_error(plan, tmp_path):
    """One cell at XFD1048576 and nothing else: calamine panics (a Rust assertion, raised to
    Python as a BaseException) where the sizes no longer stop it first."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active["XFD1048576"] = "x"
    book.save(tmp_path / "lonely.xlsx")
    verdict = validate_fenced(tmp_path / "lonely.xlsx", unfenced_sizes(plan), "220802", DAY)
    [problem] = verdict.problems
    assert problem.reason.startswith("文件结构异常，无法按 Excel 文件读取")
    assert verdict.failure is None


def _pid_or_die(n):
    import os
    if n == 3:
        os.abort()
    if n == 5:
        hoard = []
        while True:
            hoard.append(bytearray(64 * 1024 * 1024))
    return os.getpid()


def test_one_child_answers_a_runs_files_and_a_new_one_takes_over_after_a_death():
    answers = list(fence.calls(_pid_or_die, [(n,) for n in range(1, 8)],
                               Limits(reader_memory_mb=256)))
    assert isinstance(answers[2], fence.Broken) and answers[2].how == "killed by SIGABRT"
    assert answers[4].how == "out of memory (MemoryError)"
    pids = [a for a in answers if isinstance(a, int)]
    assert len(pids) == 5
    first, second, third = answers[0:2], answers[3:4], answers[5:7]
    assert len(set(first)) == 1 and len(set(third)) == 1  # one child for the files in a row
    assert len({first[0], second[0], third[0]}) == 3  # a new child after each death
    assert os.getpid() not in pids


def _most_of_a_second_of_cpu(n):
    end = time.process_time() + 0.6
    while time.process_time() < end:
        pass
    return n


@pytest.mark.integration  # spends whole CPU limits: ~10 s
def test_each_file_in_a_child_has_the_whole_cpu_limit_to_itself():
    answers = list(fence.calls(_most_of_a_second_of_cpu, [(1,), (2,), (3,), (4,)],
                               Limits(reader_cpu_seconds=1)))
    assert answers == [1, 2, 3, 4]  # 2.4 s in one child, under a limit of one second a file


def test_a_run_that_stops_reading_answers_leaves_no_child_behind():
    answers = fence.calls(_pid_or_die, [(1,), (2,), (4,)], Limits())
    pid = next(answers)
    answers.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: not a child of ours any more


def test_children_at_once_share_the_calls_a_slow_one_holding_up_none_of_the_rest():
    answers = fence.map_calls(_pid_or_slow, [(0.8,)] + [(0,)] * 8, Limits(), processes=2)
    slow, quick = answers[0], answers[1:]
    assert len(set(answers)) == 2 and os.getpid() not in answers  # two children
    # While one child is on the slow call (and holds one more), the other answers the rest.
    assert quick.count(slow) <= 1 and len(set(quick) - {slow}) == 1


def _pid_or_slow(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_a_child_that_dies_hands_back_the_call_it_held_to_a_new_child():
    answers = fence.map_calls(_pid_or_die, [(3,), (1,), (1,), (1,)], Limits(), processes=2)
    assert isinstance(answers[0], fence.Broken) and answers[0].how == "killed by SIGABRT"
    assert all(isinstance(a, int) for a in answers[1:])  # the call given behind it still answered


def test_a_legacy_sheet_with_cells_past_its_declared_size_is_refused_by_its_real_size(plan):
    # Found by the property test: a damaged .xls whose DIMENSIONS record is small, but one of
    # whose rows runs to column 65,283; building its table took minutes, past the CPU limit.
    path = Path(__file__).parent / "found" / "cells-past-dimensions.xls"
    verdict = validate_fenced(path, plan, "220802", DAY)
    [problem] = verdict.problems
    assert "65,283 列，超过上限 1,000 列" in problem.reason
    assert verdict.failure is None  # refused for its size, not for a reader that was stopped


def test_the_readers_memory_is_one_budget_for_the_whole_machine(plan):
    """The plan: `readers_at_once: 2`, each with `reader_memory_mb: 1536`, so two readers
    (3,072 MB) and the worker fit a 4 GB machine. While another process (another run) holds both
    readers, a run here gets none; once that process ends (even killed), one is free again."""
    import subprocess
    import sys

    from sprint.reading import fence_budget

    assert plan.limits.readers_at_once == 2 and plan.limits.reader_memory_mb == 1536
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom sprint.reading import fence_budget as b\n"
         "print(None not in (b.take(2, False), b.take(2, False)), flush=True)\nsys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        assert fence_budget.take(2, wait=False) is None
    finally:
        holder.kill()
        holder.wait()
    slot = fence_budget.take(2, wait=False)
    assert slot is not None
    fence_budget.give(slot)
