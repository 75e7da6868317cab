"""Decompressing within a limit: a gzip file or a zip member is inflated in chunks and refused
as soon as it grows past ``max_inflated_bytes`` (a zip bomb stops there, not in an out-of-memory).

>>> import gzip, pathlib
>>> gunzip(pathlib.Path("orders.csv.gz"), gzip.compress(b"case,activity\\n"), limit=100)
b'case,activity\\n'
>>> gunzip(pathlib.Path("bomb.csv.gz"), gzip.compress(b"0" * 1000), limit=100)
Traceback (most recent call last):
...
o2c.errors.InputFileError: bomb.csv.gz inflates to more than 100 bytes, the limit ...
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from typing import Protocol

from o2c.errors import InputFileError

#: The most bytes a compressed input may inflate to unless the caller allows more.
MAX_INFLATED_BYTES = 4 * 2**30


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def inflate(handle: _Readable, *, limit: int, path: Path, what: str) -> bytes:
    """All of ``handle``'s bytes, read a megabyte at a time; an ``InputFileError`` past ``limit``."""
    chunks: list[bytes] = []
    total = 0
    while chunk := handle.read(1 << 20):
        total += len(chunk)
        if total > limit:
            raise InputFileError(
                f"{what} inflates to more than {limit:,} bytes, the limit against zip bombs; a genuine "
                "export this large is read with read_log(..., max_inflated_bytes=N) or "
                "--max-inflated-bytes N.",
                path=path,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def gunzip(path: Path, data: bytes, *, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """The content of a gzip file; one that is not gzip, was cut short, or inflates past ``limit``
    is named as such."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            return inflate(handle, limit=limit, path=path, what=path.name)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(
            f"{path.name} is not a complete gzip file ({exc}); download it again, or rename it if it "
            "is plain text.",
            path=path,
        ) from exc
