"""Run outputs: the run folder (Parquet tables, summary, report) written atomically."""

from cupola.output.runfolder import write_run

__all__ = ["write_run"]
