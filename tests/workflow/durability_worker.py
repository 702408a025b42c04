"""A process that runs transitions forever, printing each one after it is committed.

Run by test_durability.py, which kills it with SIGKILL part-way through.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scenario import Clock, ready_deployment

from patrolgate.store import create_database
from patrolgate.workflow import Workflow


def main(url: str) -> None:
    """Propose, authorise and revoke deployments in a loop, reporting each commit."""
    clock = Clock()
    workflow = Workflow(database=create_database(url), clock=clock)
    while True:
        deployment = ready_deployment(workflow, clock, start_in=0, hours=3)
        print(f"done deployment.impact-assessed {deployment}", flush=True)
        workflow.authorise(
            "sfc.dac",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
        print(f"done deployment.authorised {deployment}", flush=True)
        workflow.revoke("sfc.dac", deployment, reason="Drill over")
        print(f"done deployment.revoked {deployment}", flush=True)
        clock.advance(days=200)  # beyond the rarity period before and after
        clock.now += timedelta(seconds=1)


if __name__ == "__main__":
    main(sys.argv[1])
