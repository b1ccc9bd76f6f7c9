"""Errors raised at Cupola's edges.

Hierarchy::

    CupolaError                 anything Cupola reports to a user as one line
    ├── InputError              an input file that cannot be used (names file, field, reason)
    │   └── ScenarioError       a scenario file
    └── OutputError             a run folder or output file that cannot be written

The command line turns each of them into one line on stderr and exit code 2.
"""

from __future__ import annotations


class CupolaError(Exception):
    """Base class of the errors Cupola reports as one line, without a traceback."""


class InputError(CupolaError):
    """An input file (scenario, plots, sensors, configuration) that cannot be used.

    Parameters
    ----------
    source : str
        The file (or built-in scenario name) the problem is in.
    field : str
        Where in it: a dotted field path (``raid.salvos.0.count``), a column and row
        (``time, row 12``), or ``""`` for the whole file.
    reason : str
        What is wrong, in plain words.
    """

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source = source
        self.field = field
        self.reason = reason
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {reason}")


class ScenarioError(InputError):
    """A scenario that cannot be loaded or used (see :class:`InputError`)."""


class OutputError(CupolaError):
    """A run folder or output file that cannot be written."""
