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
import importlib
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


def moved_module(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the deprecated module ``old``: each name is looked up in
    ``new``, warning that ``old`` goes in the next release and naming where to import it from.

    >>> import warnings
    >>> lookup = moved_module("o2c.rework", "o2c._rework")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     lookup("self_loops").__name__, str(caught[0].message)
    ('self_loops', 'The module o2c.rework is private now (o2c._rework) and its name goes in the next release; import self_loops from o2c.')
    """

    def lookup(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        found = getattr(importlib.import_module(new), name)
        public = name in getattr(importlib.import_module("o2c"), "__all__", ())
        warnings.warn(
            f"The module {old} is private now ({new}) and its name goes in the next release; "
            f"import {name} from {'o2c' if public else new}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return found

    return lookup
