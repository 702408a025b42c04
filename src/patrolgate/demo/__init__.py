"""The embedded London demo: what ships, and how it is built."""

from patrolgate.demo.build import DemoSummary, build_demo

__all__ = ["DemoSummary", "build_demo"]
