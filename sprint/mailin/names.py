"""A file name from a mail (an attachment's, a zip member's) made safe to write in a unit's
folder: no folder part, no control character, not hidden, not an Office lock file, not long."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from sprint.domain.filenames import clip, mark

LEDGER_SUFFIXES = (".xlsx", ".xls", ".csv")
_UNSAFE = re.compile(r'[<>:"|?*;\'`$&]')


def base_name(name: str) -> str:
    """The last part of any path, printable characters only, never hidden or a lock file."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] not in "CZ" or c == " ")
    text = _UNSAFE.sub("_", text).strip(" .~$")
    return "" if text in ("", ".", "..") else text


def suffix(name: str) -> str:
    return Path(base_name(name)).suffix.lower()


def placed_name(name: str, key: str) -> str:
    """The name a ledger gets in its unit's folder: its own, shortened, with a mark drawn from
    `key` (the message and the attachment) that holds no digit, so no date is read into it,
    and the ledger's suffix. The same key gives the same name: placing again is harmless."""
    clean = base_name(name)
    ext = Path(clean).suffix.lower()
    stem = clean[: -len(ext)] if ext else clean
    stem = clip(stem, 120) or "附件"  # a file system's name holds 255 bytes, a Chinese character 3
    return f"{stem}_{mark(hashlib.sha256(key.encode()).hexdigest())}{ext}"


def inside(folder: Path, name: str) -> Path:
    """folder/name, refusing anything that would resolve outside `folder`."""
    target = (folder / name).resolve()
    if target.parent != folder.resolve() or not name or name != target.name:
        raise ValueError(f"unsafe file name {name!r}")
    return target
