"""PatrolGate: governs exceptional, area-based police deployments."""

__version__ = "0.1.0"
