"""Keeping an inbox file in the state folder, and what can go wrong with one file only.

The size is checked on the open file before a byte is read, and counted again while it is
copied: a file over the plan's limit, or one growing past it, is refused and leaves nothing in
var/kept/. The kept name holds at most 255 bytes whatever the unit called its file. A full disk
leaves no half copy and fails that file only (it is not the unit's fault: the next run takes it).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import BinaryIO

from sprint.domain.filenames import NAME_BYTES, clip

MB = 1024 * 1024


class Refused(Exception):
    """The file is refused: `reason` is the unit's (Chinese), `failure` the operator's kind."""

    def __init__(self, reason: str, failure: str):
        super().__init__(reason)
        self.reason, self.failure = reason, failure


class Later(Exception):
    """The file is left for the next run (it changed while copied, or the disk is full)."""


def too_big(size: int, max_mb: float) -> str | None:
    if size <= max_mb * MB:
        return None
    return (f"文件大小 {size / MB:.1f} MB，超过上限 {max_mb:g} MB：请删去无关的工作表、"
            "图片和格式，或拆分后提交")


def unread_key(unit: str, name: str, st: os.stat_result) -> str:
    """What stands for the SHA-256 of a file never read (over the limit, or unreadable): its
    name, size and time, so that the next run knows it and does not take it again."""
    return hashlib.sha256(f"unread:{unit}/{name}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()


def kept_name(name: str, stamp: str, sha256: str) -> str:
    """`<stamp>_<fingerprint>_<the unit's name>`, the name cut by bytes so that the whole, and
    the names made from it (the shelf's `<name>.parquet.part`), hold in 255."""
    safe = re.sub(r"[^\w.\-]", "_", name)
    ext = clip(os.path.splitext(safe)[1], 16)
    stem = safe[: len(safe) - len(ext)] if ext else safe
    head = f"{stamp}_{sha256[:12]}_"
    room = NAME_BYTES - 32 - len(head.encode()) - len(ext.encode())
    return f"{head}{clip(stem, room)}{ext}"


def keep(unit: str, path: Path, sha256: str, stamp: str, kept_root: Path, max_mb: float) -> Path:
    """Copy the original, byte for byte, into kept_root/unit/; the inbox file is left alone.

    Raises Refused (over the size limit, or an error reading or writing this file), or Later
    (the file changed while copied; the disk is full)."""
    target = kept_root / unit / kept_name(path.name, stamp, sha256)
    if target.exists():
        return target
    # The half copy's name is short whatever the original's: a long name cannot fail here.
    tmp = target.with_name(f".{sha256[:12]}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        with path.open("rb") as src:
            if why := too_big(os.fstat(src.fileno()).st_size, max_mb):
                raise Refused(why, "over the size limit")
            target.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("xb") as dst:
                digest = _copy(src, dst, int(max_mb * MB))
        if digest != sha256:
            raise Later(f"{unit}/{path.name} 在复制时被修改，下次运行再接收")
        tmp.replace(target)
        return target
    except (Refused, Later):
        tmp.unlink(missing_ok=True)
        raise
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise Later(f"磁盘已满，{unit}/{path.name} 未能保存，下次运行再接收（{e}）") from e
        raise Refused(f"文件无法读取或保存（{type(e).__name__}，已记录；仍不成功请联系调度单位），"
                      "请稍后重新提交", type(e).__name__) from e


def _copy(src: BinaryIO, dst: BinaryIO, cap: int) -> str:
    """Copy in blocks, hashing as it goes; a file growing past `cap` bytes is refused."""
    digest, copied = hashlib.sha256(), 0
    for block in iter(lambda: src.read(1 << 20), b""):
        copied += len(block)
        if copied > cap:
            raise Refused(f"文件在接收过程中超过上限 {cap / MB:g} MB（仍在写入或被追加）："
                          "请确认文件完整后重新提交", "grew past the size limit")
        digest.update(block)
        dst.write(block)
    return digest.hexdigest()
