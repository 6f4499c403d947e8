"""File names a file system holds: ext4, XFS and btrfs take 255 bytes a name, and a Chinese
character is 3 of them in UTF-8, so a name is shortened by its bytes, never its characters."""

from __future__ import annotations

NAME_BYTES = 255


def clip(text: str, limit: int) -> str:
    """`text` cut at a character boundary to at most `limit` bytes of UTF-8."""
    return text.encode()[:max(limit, 0)].decode(errors="ignore")
