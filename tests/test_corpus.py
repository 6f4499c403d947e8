"""Every file of the corpus gets its verdict: accepted with its rows, or refused saying what to fix."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from sprint.reading.ledger import validate_file
from sprint.services import intake, receipts
from sprint.store.store import Store
from tests.factories import beijing

CORPUS = Path(__file__).parent / "corpus"
CASES = yaml.safe_load((CORPUS / "verdicts.yaml").read_text(encoding="utf-8"))
DAY = dt.date(2020, 10, 9)


def test_the_corpus_holds_at_least_forty_files_each_with_its_verdict():
    files = sorted(p.name for p in (CORPUS / "files").iterdir())
    assert len(files) >= 40
    assert files == sorted(c["file"] for c in CASES)


@pytest.mark.parametrize("entry", CASES, ids=[c["file"] for c in CASES])
def test_each_file_gets_its_verdict(plan, entry):
    verdict = validate_file(CORPUS / "files" / entry["file"], plan, "220802", DAY)
    found = [(p.row, p.column, p.reason) for p in verdict.problems]
    if entry["accepted"]:
        assert found == [] and verdict.accepted
        assert len(verdict.ledger) == entry["rows"]
        assert verdict.ledger["身份证号"].str.fullmatch(r"\d{17}[\dX]").all()
        return
    assert not verdict.accepted
    if "message" in entry:
        assert len(found) == 1 and entry["message"] in found[0][2], found
        return
    assert len(found) == len(entry["problems"]), found
    for (row, column, fragment), (got_row, got_column, reason) in zip(
            entry["problems"], found, strict=True):
        assert (got_row, got_column) == (row, column) and fragment in reason


def test_full_width_digits_and_a_lowercase_x_are_normalised(plan):
    x = validate_file(CORPUS / "files" / "id-lowercase-x-and-spaces.csv", plan, "220802", DAY)
    assert x.ledger["身份证号"].iloc[0].endswith("X")
    wide = validate_file(CORPUS / "files" / "id-full-width.xlsx", plan, "220802", DAY)
    plain = validate_file(CORPUS / "files" / "title-one-row.xlsx", plan, "220802", DAY)
    assert wide.ledger["身份证号"].tolist() == plain.ledger["身份证号"].tolist()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(plan, tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:  # sparse: 21 MB on paper, nothing on disk
        f.truncate(int(21 * 1024 * 1024))
    [problem] = validate_file(big, plan, "220802", DAY).problems
    assert "超过上限 20 MB" in problem.reason


@pytest.mark.integration  # every corpus file through a run: 10-15 s
def test_every_corpus_file_is_kept_byte_for_byte_whatever_its_verdict(plan, tmp_path):
    inbox = tmp_path / "inbox" / "220802"
    inbox.mkdir(parents=True)
    for source in (CORPUS / "files").iterdir():
        (inbox / source.name).write_bytes(source.read_bytes())
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    arrivals, _ = intake.scan(tmp_path / "inbox", plan, store, beijing("2030-01-01 00:00"))
    for a in arrivals:
        receipts.record(store, intake.judge(a, intake.keep(a, tmp_path / "kept"), plan))
    recorded = store.receipts()
    distinct = {hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}
    assert {r.sha256 for r in recorded} == distinct
    for r in recorded:
        assert hashlib.sha256(Path(r.kept_path).read_bytes()).hexdigest() == r.sha256
    assert sum(r.verdict == "accepted" for r in recorded) == sum(c["accepted"] for c in CASES)
