"""The validated table of every accepted file, kept so that a file is validated once.

Intake validates a file and puts its table here (Parquet, beside the kept originals); a summary,
in this run or any later one, reads it back instead of validating the file again. The last
tables read stay in memory, up to a bound.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pandas as pd

from sprint.domain.plan import Plan
from sprint.domain.records import Receipt
from sprint.reading.ledger import validate_file


class Shelf:
    def __init__(self, plan: Plan, root: Path, size: int = 256):
        self.plan, self.root, self.size = plan, root, size
        self._memory: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self.measures: dict = {}  # the engine's figures of these files (Book.measures)

    def _path(self, kept_path: str) -> Path:
        kept = Path(kept_path)
        return self.root / kept.parent.name / f"{kept.name}.parquet"

    def put(self, kept_path: str, frame: pd.DataFrame) -> None:
        path = self._path(kept_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        frame.to_parquet(tmp)
        tmp.replace(path)
        self._remember(kept_path, frame)

    def ledger(self, receipt: Receipt) -> pd.DataFrame:
        """The table of an accepted file: from memory, from the shelf, or (a store older than
        the shelf) validated once more and shelved."""
        key = receipt.kept_path
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        path = self._path(key)
        if path.exists():
            frame = pd.read_parquet(path)
            frame.index.name = "row"
            self._remember(key, frame)
            return frame
        frame = validate_file(Path(key), self.plan, receipt.unit, receipt.received_at.date()).ledger
        self.put(key, frame)
        return frame

    def _remember(self, key: str, frame: pd.DataFrame) -> None:
        self._memory[key] = frame
        self._memory.move_to_end(key)
        while len(self._memory) > self.size:
            self._memory.popitem(last=False)
