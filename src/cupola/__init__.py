"""Cupola: an open simulator and battle manager for short-range air and missile defense.

The package tree is the pipeline (see ``docs/design.md``)::

    scenario -> threats -> sensors -> tracking -> assess -> fire -> engage
                                     sim (clock, events) -> report

Everything is simulation with public, generic parameters; nothing drives real hardware.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
