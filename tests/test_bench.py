"""The scale benchmark runs as a user runs it and prints the figures it promises (no timings held)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"
FIELDS = {"tier", "units", "rows", "raw_read_s", "ingest_s", "ingest_ratio", "raw_send_per_s",
          "send_per_s", "send_ratio", "peak_rss_mb", "prefect_task_runs", "flow_run_s"}


def test_the_city_tier_prints_one_json_object_with_every_figure(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--tier", "city", "--json",
                           "--data", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert FIELDS <= figures.keys()
    assert (figures["tier"], figures["units"], figures["rows"]) == ("city", 7, 10_000)
    assert figures["flow_state"] == "Completed" and figures["units_refused"] == 0
    assert figures["prefect_task_runs"] == 4  # find, one batch, render, send: not one per row
    split = figures["prefect_split_s"]  # where the time outside the task runs goes
    assert split.keys() == {"before_first_task", "between_tasks", "after_last_task"}
    assert split["before_first_task"] > 0 and split["after_last_task"] > 0  # Prefect's own
    assert split["between_tasks"] >= 0
    assert all(figures[k] > 0 for k in ("raw_read_s", "ingest_s", "send_per_s", "flow_run_s"))
    assert "[6/6] done" in done.stderr  # the progress a user watches


def test_a_bad_number_of_sending_rounds_is_named_before_any_work(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--tier", "city", "--send-rounds", "4",
                           "--data", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        "error: --send-rounds must be a multiple of 3 (3, 6, 9, ...), so that each way of "
        "sending goes first as often")
    assert not any(tmp_path.iterdir())  # nothing generated


def test_the_latency_benchmark_lands_files_both_ways_and_reports_every_answer(tmp_path):
    bench = BENCH.parent / "mail_latency.py"
    done = subprocess.run([sys.executable, str(bench), "--files", "6", "--spread", "2", "--json",
                           "--home", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert (figures["files"], figures["answered"], figures["unanswered"]) == (6, 6, 0)
    assert figures["by_mail"]["n"] == 3 and figures["by_folder"]["n"] == 3
    assert {"median_s", "p95_s", "max_s"} <= figures["all"].keys()
