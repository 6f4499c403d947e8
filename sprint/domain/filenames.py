"""File names: a file system holds 255 bytes a name (ext4, XFS, btrfs), and a Chinese character
is 3 of them in UTF-8, so a name is shortened by its bytes, never its characters. And the name a
unit gave its file: a ledger that came by mail is placed in its unit's folder with a mark (`_`
and 8 letters a-p, from the message and the attachment) so that two attachments of one name
never meet; the unit never wrote that mark, so what it reads shows the name without it, and a
file with the mark is known to have come by mail."""

from __future__ import annotations

import re

NAME_BYTES = 255
LETTERS = "abcdefghijklmnop"  # a SHA-256's hex digits, its 0-9 written as g-p: no date in it
_MAILED = re.compile(r"^(?P<stem>.+)_(?P<mark>[a-p]{8})(?P<ext>\.(?:xlsx|xls|csv))$")


def clip(text: str, limit: int) -> str:
    """`text` cut at a character boundary to at most `limit` bytes of UTF-8."""
    return text.encode()[:max(limit, 0)].decode(errors="ignore")


def mark(digest: str) -> str:
    """The mark drawn from a hex digest: its first 8 characters, digits as letters."""
    return digest[:8].translate(str.maketrans("0123456789", LETTERS[6:]))


def mailed(name: str) -> bool:
    return _MAILED.match(name) is not None


def as_sent(name: str) -> str:
    """`问题整改台账.xlsx` for `问题整改台账_goodlccg.xlsx`; any other name as it is."""
    found = _MAILED.match(name)
    return f"{found['stem']}{found['ext']}" if found else name
