"""Deprecated: ``o2c.conformance.ideal_path`` is now ``o2c.model`` (or use ``o2c.IdealPath``).

It moved to the bottom of the package so that the analyses can share it without importing
``o2c.conformance`` (whose alignments use ``o2c.performance``: an import cycle). This alias stays
for one release.
"""

import warnings

from o2c.model import MILESTONES, IdealPath, ProcessModel

warnings.warn(
    "o2c.conformance.ideal_path is deprecated; import IdealPath and ProcessModel from o2c (or o2c.model)",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["MILESTONES", "IdealPath", "ProcessModel"]
