"""o2c: order-to-cash process mining.

Read an export into an event log, draw process maps, find bottlenecks and rework loops, and
price how far orders diverge from the ideal path.

The public names are listed in ``__init__.pyi`` and imported on first use, so that ``import o2c``
and the ``o2c`` command start without loading polars, DuckDB or pm4py.

>>> import o2c
>>> log = o2c.example_log()
>>> log["case_id"].n_unique()
3
"""

import importlib
import sys
import types
from typing import Any

import lazy_loader

__version__ = "0.1.0"

_public, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
__all__ = [*__all__, "__version__"]


def __getattr__(name: str) -> Any:
    """A public name, or a subpackage used as an attribute (``o2c.io``), imported on first use."""
    try:
        return _public(name)
    except AttributeError:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


class _Package(types.ModuleType):
    """``o2c`` itself: importing a deprecated module alias that shares its name with a verb
    (``import o2c.kpis``) leaves ``o2c.kpis`` the verb rather than the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _VERB_NAMED_MODULES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


#: Deprecated aliases of the private modules that hold the verbs of the same name.
_VERB_NAMED_MODULES = frozenset({"assess", "kpis", "milestones", "rework", "simulate"})

sys.modules[__name__].__class__ = _Package
