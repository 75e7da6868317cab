"""The toolkit's one progress bar: tqdm on stderr, off when stderr is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(
    items: Iterable[T], *, label: str, total: int | None = None, enabled: bool | None = None
) -> Iterator[T]:
    """Iterate over ``items`` with a progress bar on stderr when ``enabled`` (default: a terminal).

    >>> list(progress([1, 2], label="steps", enabled=False))
    [1, 2]
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    yield from tqdm(items, desc=label, total=total, disable=not show, file=sys.stderr, leave=False)
