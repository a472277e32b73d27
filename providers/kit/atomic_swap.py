"""Exchanging two files' names in one step, where the operating system can.

A plain rename over a file throws away whatever that file held at the instant of the
rename, which may be newer than anything we read earlier. An exchange keeps it: after
exchange(a, b), the file that was at b is at a, so nothing that was written to b before
the exchange is lost. Linux has renameat2(RENAME_EXCHANGE) (3.15+, on ext4, xfs, btrfs,
tmpfs and most local filesystems), macOS has renamex_np(RENAME_SWAP) (10.12+, on APFS).
Python exposes neither, so they are called through ctypes.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

AT_FDCWD = -100
RENAME_EXCHANGE = 2  # Linux <linux/fs.h>
RENAME_SWAP = 2  # macOS <stdio.h>
# renameat2's syscall number, for a C library older than glibc 2.28 that lacks the wrapper.
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "amd64": 316, "aarch64": 276, "arm64": 276}
# What a kernel or filesystem answers when it cannot exchange: then, and only then, the
# caller falls back to a plain rename.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", 0)}


class ExchangeUnavailable(Exception):
    """This system or this filesystem cannot exchange two names atomically."""


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _linux(libc: Any) -> Callable[[bytes, bytes], int] | None:
    """renameat2 through glibc's wrapper (2.28+), else through syscall(2) by number."""
    if libc is None:
        return None
    function = getattr(libc, "renameat2", None)
    if function is not None:
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        function.argtypes += [ctypes.c_uint]
        function.restype = ctypes.c_int
        return lambda a, b: function(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    number = _SYSCALL_RENAMEAT2.get(platform.machine().lower())
    syscall = getattr(libc, "syscall", None)
    if number is None or syscall is None:
        return None
    syscall.restype = ctypes.c_long
    return lambda a, b: syscall(
        ctypes.c_long(number),
        ctypes.c_int(AT_FDCWD),
        ctypes.c_char_p(a),
        ctypes.c_int(AT_FDCWD),
        ctypes.c_char_p(b),
        ctypes.c_uint(RENAME_EXCHANGE),
    )


def _macos(libc: Any) -> Callable[[bytes, bytes], int] | None:
    function = getattr(libc, "renamex_np", None) if libc is not None else None
    if function is None:
        return None
    function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return lambda a, b: function(a, b, RENAME_SWAP)


def _find() -> Callable[[bytes, bytes], int] | None:
    if sys.platform.startswith("linux"):
        return _linux(_libc())
    if sys.platform == "darwin":
        return _macos(_libc())
    return None


_call = _find()


def available() -> bool:
    """Whether this system has an exchange call at all (a filesystem may still refuse it)."""
    return _call is not None


def exchange(first: Path, second: Path) -> None:
    """Swap the names of two existing files in one step.

    Raises ExchangeUnavailable when the system or the filesystem cannot, and OSError for
    anything else (a missing file, no permission), exactly as a rename would.
    """
    if _call is None:
        raise ExchangeUnavailable("no atomic exchange on this system")
    ctypes.set_errno(0)
    if _call(os.fsencode(first), os.fsencode(second)) == 0:
        return
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        raise ExchangeUnavailable(os.strerror(code))
    raise OSError(code, os.strerror(code), str(first), None, str(second))
