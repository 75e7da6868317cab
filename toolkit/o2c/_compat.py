"""Public signatures that changed, kept working for one release with a ``DeprecationWarning``.

>>> import warnings
>>> @keyword_only("ideal")
... def kpis(log, *, ideal=None):
...     return ideal
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     kpis("log", "path"), kpis("log", ideal="path"), str(caught[0].message)
('path', 'path', "Pass 'ideal' to kpis by keyword (ideal=...); passing it by position is deprecated and stops working in the next release.")
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

Function = TypeVar("Function", bound=Callable[..., Any])


def keyword_only(*names: str) -> Callable[[Function], Function]:
    """Let the keyword-only ``names`` of a function still come by position, after its positional
    parameters and in this order, warning that this is deprecated."""

    def decorate(function: Function) -> Function:
        parameters = inspect.signature(function).parameters.values()
        positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)

        @functools.wraps(function)
        def accept(*args: Any, **kwargs: Any) -> Any:
            extra = args[positional:]
            if extra and len(extra) <= len(names):
                moved = names[: len(extra)]
                warnings.warn(
                    f"Pass {', '.join(repr(n) for n in moved)} to {function.__name__} by keyword "
                    f"({', '.join(f'{n}=...' for n in moved)}); passing it by position is deprecated and "
                    "stops working in the next release.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs.update(zip(moved, extra, strict=True))
                args = args[:positional]
            return function(*args, **kwargs)

        return accept  # type: ignore[return-value]

    return decorate
