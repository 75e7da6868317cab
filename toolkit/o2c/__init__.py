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


# lazy_loader keeps a function from being replaced by its same-named module when that module is
# imported (o2c.assess, o2c.kpis, ...); o2c.milestones is a function of o2c.kpis that shares its
# name with the module o2c.milestones, so it is kept the same way.
vars(sys.modules[__name__]).setdefault("__lazy_shadowed__", set()).add("milestones")
