"""Apply each mutation the suite once missed (issue 23, point 8), run the test written to kill
it, and put the source back: `python tests/mutations.py`. Prints each mutation as killed (its
test failed) or survived, and exits 1 if any survived."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T = "tests/test_mutations.py::"
MUTATIONS = [  # (what, file, the code, the code mutated, the test that kills it)
    ("on-time judged by the latest file", "sprint/domain/status.py",
     "first = accepted[0].received_at", "first = accepted[-1].received_at",
     T + "test_on_time_is_judged_by_the_first_accepted_file_not_the_latest"),
    ("`<` for `<=` at the due time", "sprint/domain/status.py",
     "State.ON_TIME if first <= period.due", "State.ON_TIME if first < period.due",
     T + "test_a_file_arriving_exactly_at_the_due_time_is_on_time"),
    ("a reminder keyed by date", "sprint/domain/engine/reminders.py",
     'f"{reminder.offset:+d}"', 'f"{reminder.at:%Y-%m-%d}"',
     T + "test_a_reminder_is_keyed_by_its_offset_not_its_date"),
    ("a 销号 household can go back a stage", "sprint/domain/engine/households.py",
     "        if p.done_in(rules):\n", "        if False:\n",
     T + "test_a_household_once_out_never_goes_back_a_stage"),
    ("told_workdays_before ignored (0)", "sprint/domain/engine/notices.py",
     "workdays_before(now, plan.notices.told_workdays_before)", "workdays_before(now, 0)",
     T + "test_a_unit_is_named_only_if_told_the_plans_working_days_before"),
    ("told_workdays_before ignored (always 1)", "sprint/domain/engine/notices.py",
     "workdays_before(now, plan.notices.told_workdays_before)", "workdays_before(now, 1)",
     T + "test_a_unit_is_named_only_if_told_the_plans_working_days_before"),
    ("the zip member cap removed", "sprint/mailin/unpack.py",
     "if len(members) > MAX_MEMBERS:", "if False:",
     T + "test_a_zip_of_more_than_200_ledgers_is_not_opened"),
    ("line breaks kept in a subject", "sprint/mailout/compose.py",
     '    subject = re.sub(r"\\s+", " ", subject).strip()\n', "",
     T + "test_a_subject_is_one_line_whatever_its_template_and_values_hold"),
]


def main() -> int:
    survived = 0
    for what, name, code, mutated, test in MUTATIONS:
        path = ROOT / name
        source = path.read_text()
        assert source.count(code) == 1, f"{name}: the code to mutate is not there once"
        path.write_text(source.replace(code, mutated))
        try:
            run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                  test], cwd=ROOT, capture_output=True, text=True)
        finally:
            path.write_text(source)
        killed = run.returncode != 0
        survived += not killed
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-200:]
        print(f"{'killed  ' if killed else 'SURVIVED'} {what}: {last}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
