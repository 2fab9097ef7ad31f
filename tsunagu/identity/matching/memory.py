"""Giving freed memory back to the operating system between the steps of a large run.

A million records leave hundreds of MiB freed but still held by the process after preparation
and training: Arrow's allocator keeps freed pages for reuse, and glibc's heap keeps what Python
and numpy freed among blocks still in use (docs/identity-ii.md §19: 1,223 → 946 MiB after
preparing a million records). The next step (DuckDB's blocking and comparisons) allocates with
its own allocator, so what the others hold only adds to the peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


def release(*, collect: bool = False) -> None:
    """Return freed memory to the operating system (no-op where the C library cannot). `collect`:
    first free what only reference cycles still hold (Splink's linkers are such cycles: after
    training a million records, 43 MiB, and 61 MiB more given back; 0.13 s)."""
    import pyarrow as pa

    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():  # type: ignore[no-untyped-def]
    """glibc's malloc_trim, or None (macOS, musl)."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
