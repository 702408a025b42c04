"""Ingest: reading source files into the store, with area assignment and reports."""

from patrolgate.ingest.area_assignment import AreaAssigner
from patrolgate.ingest.event_import import ImportReport, store_parsed_file

__all__ = ["AreaAssigner", "ImportReport", "store_parsed_file"]
