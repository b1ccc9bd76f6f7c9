"""Run outputs: the run folder (Parquet tables, summary, report) written atomically."""

from cupola.output.runfolder import check_output, write_run

__all__ = ["check_output", "write_run"]
