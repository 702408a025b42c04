"""Live deployments on the map: their areas, states and remaining time (read-only)."""

from __future__ import annotations

from typing import Any

from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.workflow import Workflow
from patrolgate.workflow.lifecycle import LIVE, State, effective_state


def live_geojson(workflow: Workflow) -> dict[str, Any]:
    """A FeatureCollection of authorised and active deployments, by the workflow's clock."""
    now = workflow.now()
    features = []
    with workflow.database.reads() as session:
        rows = session.query(DeploymentRow).filter(DeploymentRow.state.in_([s.value for s in LIVE]))
        for row in rows:
            state = effective_state(row, now)
            if state not in LIVE:
                continue
            until = row.end if state is State.ACTIVE else row.start
            features.append(
                {
                    "type": "Feature",
                    "geometry": row.geometry,
                    "properties": {
                        "id": row.id,
                        "profile": row.profile_name,
                        "state": state.value,
                        "start": row.start.isoformat(),
                        "end": row.end.isoformat(),
                        "end_local": workflow.local(row.end),
                        "seconds_remaining": max(int((row.end - now).total_seconds()), 0),
                        "seconds_to_start": max(int((until - now).total_seconds()), 0)
                        if state is State.AUTHORISED
                        else 0,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}
