"""States of a deployment, the transitions allowed, and the transitions the clock makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class State(StrEnum):
    """draft → submitted → authorised → active → ended → debriefed."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    AUTHORISED = "authorised"
    ACTIVE = "active"
    ENDED = "ended"
    DEBRIEFED = "debriefed"


class EndReason(StrEnum):
    """How a deployment ended."""

    EXPIRED = "expired"
    REVOKED = "revoked"
    COMPLETED = "completed"
    LAPSED = "lapsed"


#: The states in which each action is possible.
ALLOWED_FROM: dict[str, tuple[State, ...]] = {
    "submit": (State.DRAFT,),
    "consult": (State.DRAFT, State.SUBMITTED, State.AUTHORISED, State.ACTIVE),
    "assess-impact": (State.DRAFT, State.SUBMITTED, State.AUTHORISED, State.ACTIVE),
    "respond": (State.SUBMITTED, State.AUTHORISED, State.ACTIVE),
    "pre-approve": (State.DRAFT, State.SUBMITTED),
    "authorise": (State.SUBMITTED,),
    "ratify": (State.AUTHORISED, State.ACTIVE),
    "record-notice": (State.AUTHORISED, State.ACTIVE, State.ENDED, State.DEBRIEFED),
    "extend": (State.AUTHORISED, State.ACTIVE),
    "revoke": (State.AUTHORISED, State.ACTIVE),
    "complete": (State.ACTIVE,),
    "debrief": (State.ENDED,),
}

LIVE = (State.AUTHORISED, State.ACTIVE)


class Timed(Protocol):
    """What the clock needs to know of a deployment."""

    state: str
    start: datetime
    end: datetime
    urgent: bool
    ratified_at: datetime | None
    ratification_due: datetime | None


@dataclass(frozen=True)
class ClockEvent:
    """A transition the clock made: its action, the instant it took effect, the new state."""

    action: str
    effective_at: datetime
    state: State
    end_reason: EndReason | None = None


def clock_events(deployment: Timed, now: datetime) -> list[ClockEvent]:
    """Transitions due by ``now``: activation at the start, expiry or lapse at the end."""
    state = State(deployment.state)
    if state not in LIVE:
        return []
    stop, reason = deployment.end, EndReason.EXPIRED
    due = deployment.ratification_due
    if deployment.urgent and deployment.ratified_at is None and due is not None and due < stop:
        stop, reason = due, EndReason.LAPSED
    events: list[ClockEvent] = []
    if state is State.AUTHORISED and now >= deployment.start and deployment.start < stop:
        events.append(ClockEvent("deployment.activated", deployment.start, State.ACTIVE))
    if now >= stop:
        events.append(ClockEvent(f"deployment.{reason.value}", stop, State.ENDED, reason))
    return events


def effective_state(deployment: Timed, now: datetime) -> State:
    """The state at ``now``, whether or not the sweeper has recorded the clock's transitions."""
    events = clock_events(deployment, now)
    return events[-1].state if events else State(deployment.state)
