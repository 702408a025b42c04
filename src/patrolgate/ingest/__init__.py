"""Ingest: reading source files into the store, with area assignment and reports."""

from patrolgate.ingest.event_import import AreaAssigner, ImportReport, store_parsed_file

__all__ = ["AreaAssigner", "ImportReport", "store_parsed_file"]
