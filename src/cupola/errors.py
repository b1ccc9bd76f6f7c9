"""Errors raised at Cupola's edges.

Hierarchy::

    CupolaError                 anything Cupola reports to a user as one line
    ├── ScenarioError           a scenario file that cannot be used (names file, field, reason)
    └── OutputError             a run folder that cannot be written

The command line turns each of them into one line on stderr and exit code 2.
"""

from __future__ import annotations


class CupolaError(Exception):
    """Base class of the errors Cupola reports as one line, without a traceback."""


class ScenarioError(CupolaError):
    """A scenario that cannot be loaded or used.

    Parameters
    ----------
    source : str
        The file (or built-in scenario name) the problem is in.
    field : str
        Dotted path of the offending field (``raid.salvos.0.count``), or ``""`` for the
        whole file.
    reason : str
        What is wrong, in plain words.
    """

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source = source
        self.field = field
        self.reason = reason
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {reason}")


class OutputError(CupolaError):
    """A run folder or output file that cannot be written."""
