"""Read changes.json from a path or stdin within a byte cap and a deadline, whatever it is.

A path need not be a regular file: `/dev/zero` never ends, a FIFO may never get a
writer, stdin may be a pipe from a slow job. So the size announced by stat() is only a
shortcut for regular files; every source is read in chunks that stop one byte past the
cap, and every wait for data is bounded by the same deadline as an URL's.
"""

from __future__ import annotations

import os
import select
import stat
import time
from pathlib import Path

CHUNK = 1024 * 1024
STDIN = "-"


class LocalReadError(Exception):
    """The source could not be read within the limits; the message names the limit."""


def read_local(source: str, *, timeout: float, max_bytes: int) -> bytes:
    """The bytes of a file, a site folder's changes.json, a device, a FIFO or stdin ("-")."""
    if source == STDIN:
        return _read_fd(0, "stdin", timeout=timeout, max_bytes=max_bytes)
    path = Path(source)
    if path.is_dir():
        path = path / "changes.json"
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait, unbounded, for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise LocalReadError(f"cannot read {path}: {err.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LocalReadError(f"{path} is a folder without a changes.json")
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise LocalReadError(
                f"file is {info.st_size} bytes, over the limit of {max_bytes} bytes"
            )
        return _read_fd(fd, str(path), timeout=timeout, max_bytes=max_bytes)
    finally:
        os.close(fd)


def _read_fd(fd: int, name: str, *, timeout: float, max_bytes: int) -> bytes:
    end = time.monotonic() + timeout
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    data = bytearray()
    while len(data) <= max_bytes:
        left = end - time.monotonic()
        # Read only once poll() says so: a FIFO without a writer yet reads as empty.
        if left <= 0 or not poller.poll(left * 1000):
            raise LocalReadError(
                f"{name} gave {len(data)} bytes and no end within {timeout:g} seconds (--timeout)"
            )
        try:
            chunk = os.read(fd, min(CHUNK, max_bytes + 1 - len(data)))
        except BlockingIOError:
            continue
        except OSError as err:
            raise LocalReadError(f"cannot read {name}: {err.strerror}") from None
        if not chunk:
            return bytes(data)
        data += chunk
    raise LocalReadError(
        f"{name} gives more than the limit of {max_bytes} bytes; stopped reading there"
    )
