"""The cross-checks' findings as the office reads them (sprint/domain/crosscheck.py), without a
server: one finding for one fact."""

from __future__ import annotations

import pandas as pd

from sprint.domain.crosscheck import COPIED, SAME_PERSON, findings
from tests.factories import make_ledger


def test_a_copied_ledger_is_one_finding_not_one_per_person(plan):
    """镇赉县 sends 洮南市's 5 rows unchanged; 大安市 shares one worker with 洮南市. The copy is
    one finding ("与洮南市同一报送期的台账内容完全相同（5行）"): listing each of the 5 people as
    also in 洮南市's ledger says the same thing five more times (the full replay's one copied
    ledger of 510 rows gave 509 such lines in the dispatch). A person shared with a unit whose
    ledger is not a copy (大安市) is still named, after the copy."""
    duty = plan.duty("labor-ledger")
    template = plan.templates[duty.template]
    taonan = make_ledger("220881", 5, seed=3)
    daan = pd.concat([make_ledger("220882", 4, seed=4), taonan.iloc[:1]], ignore_index=True)
    found = findings(duty.checks, template, taonan.copy(), [("洮南市", taonan), ("大安市", daan)], None)
    kinds = [kind for kind, _ in found]
    assert kinds[0] == COPIED  # about the whole file, first: a reply lists only the first ones
    assert kinds.count(COPIED) == 1 and "与洮南市同一报送期的台账内容完全相同（5行）" in found[kinds.index(COPIED)][1]
    shared = [reason for kind, reason in found if kind == SAME_PERSON]
    # (row 0: a frame made here is numbered from 0; a read ledger by its spreadsheet rows)
    assert shared == [f"第0行：身份证号 {taonan['身份证号'].iloc[0]} 也在大安市同一报送期的台账中"], shared
