"""Conformance of the event log to an ideal path."""

from o2c.conformance.ideal_path import IdealPath

__all__ = ["IdealPath"]
