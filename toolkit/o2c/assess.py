"""Deprecated: this module is private now (``o2c._assess``); import its names from ``o2c``.

``o2c.assess`` is the function, as before; ``from o2c.assess import name`` still works for one
release and warns (``DeprecationWarning``) where to import ``name`` from instead.
"""

from o2c._compat import moved_module

__getattr__ = moved_module(__name__, "o2c._assess")
