"""Every workflow action declared once: a typed, frozen command with its fields, their limits
and documentation, and who may give it.

The CLI command, the JSON route and the browser form only build one of these from their
input and hand it to :meth:`patrolgate.workflow.Workflow.run`, which screens its free text,
runs its handler in one transaction with the audit entry, and enforces the rules
(:mod:`patrolgate.workflow.rules`). The API takes these models as its request bodies, so
the OpenAPI document describes exactly what the handlers receive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from patrolgate.errors import InvalidInput
from patrolgate.policy import PROFILE_NAME, Trigger
from patrolgate.screening import require_screened
from patrolgate.workflow.documents import Debrief, ImpactAssessment, Rationale, parse_document


class _FreeText:
    """Marks a field whose text a person writes: screened before anything is stored."""


FREE_TEXT = _FreeText()
#: A reason, note or answer: some words, never an essay (bounded before any screening).
Words = Annotated[str, Field(min_length=3, max_length=4000), FREE_TEXT]
#: The authoriser's own grounds (s60(9), s34(4)): written, and more than a word.
Grounds = Annotated[
    str,
    Field(
        min_length=20,
        max_length=4000,
        description="The authoriser's own written grounds for the decision (s60(9), s34(4)).",
    ),
    FREE_TEXT,
]
Login = Annotated[str, Field(min_length=1, max_length=64)]
AreaCode = Annotated[str, Field(min_length=1, max_length=32)]
RecordId = Annotated[str, Field(min_length=1, max_length=40)]


class Command(BaseModel):
    """One action someone takes; subclasses say which, and who may take it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    #: The action's name: the CLI sub-command, the route's last segment, the form's action.
    action: ClassVar[str]
    #: Who may give the command (the rules decide; this documents them).
    who: ClassVar[str]

    names_confirmed: bool = Field(
        default=False,
        description="The author confirms that the capitalised words of the free text are not "
        "the names of people.",
    )

    def free_texts(self) -> Iterator[tuple[str, str]]:
        """Each free-text field that holds text, as (name, text)."""
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, str) and any(m is FREE_TEXT for m in info.metadata):
                yield name, value

    def screened(self) -> Command:
        """This command once every free text and document in it passed screening."""
        for name, value in self.free_texts():
            require_screened(
                value,
                f"{self.action}: {name.replace('_', ' ')}",
                names_confirmed=self.names_confirmed,
            )
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Rationale | ImpactAssessment | Debrief):
                parse_document(type(value), value.model_dump(mode="json"), name)
        return self


class DeploymentCommand(Command):
    """An action on one deployment (named by the caller: path, argument or form)."""

    expected_version: int | None = Field(
        default=None,
        ge=0,
        description="Refuse with a conflict unless the deployment is still at this version.",
    )


class Propose(Command):
    """Propose a deployment (submitted at once unless ``submit`` is false)."""

    action = "propose"
    who = "a role the profile's [propose] names (proposer, tactical or borough commander)"

    profile: str = Field(
        pattern=PROFILE_NAME,
        max_length=41,
        description="The name of an installed policy profile (`patrolgate profile list`).",
    )
    start: AwareDatetime
    end: AwareDatetime
    trigger: Trigger
    rationale: Rationale
    area_codes: list[AreaCode] | None = Field(default=None, min_length=1, max_length=50)
    geojson: dict[str, Any] | None = Field(
        default=None, description="A drawn GeoJSON polygon, instead of area codes."
    )
    intelligence_ids: list[RecordId] = Field(default_factory=list, max_length=20)
    submit: bool = True


class Submit(DeploymentCommand):
    """Submit a draft for consultation and authorisation."""

    action = "submit"
    who = "the proposer"


class Consult(DeploymentCommand):
    """Record a consultation response."""

    action = "consult"
    who = "a borough commander of an affected borough, or a community officer"

    outcome: Literal["support", "concerns", "object"]
    notes: Words


class AssessImpact(DeploymentCommand):
    """Record or review the community impact assessment."""

    action = "assess-impact"
    who = "the strategic commander or a community officer"

    assessment: ImpactAssessment


class Respond(DeploymentCommand):
    """Answer an objection or a high residual risk in writing, before deciding."""

    action = "respond"
    who = "whoever will authorise (or ratify) the deployment"

    concerning: Literal["objection", "residual-risk"]
    consultation_id: int | None = Field(
        default=None, ge=1, description="The objecting consultation (for an objection)."
    )
    text: Annotated[str, Field(min_length=10, max_length=4000), FREE_TEXT]


class Authorise(DeploymentCommand):
    """Authorise a submitted deployment (or ratify an urgent authorisation)."""

    action = "authorise"
    who = "the profile's authorising role and rank (after a serious assault, its urgent path)"

    grounds: Grounds
    conditions: Annotated[str | None, Field(max_length=4000), FREE_TEXT] = None


class Ratify(DeploymentCommand):
    """Ratify an urgent authorisation within the profile's window."""

    action = "ratify"
    who = "the profile's ratifying role and rank, not the urgent authoriser"


class RecordNotice(DeploymentCommand):
    """Record that a senior officer was told of the authorisation (s60(3A))."""

    action = "record-notice"
    who = "the authoriser, or the senior officer who was told"

    informed: Login = Field(description="The login of the officer who was told.")
    note: Annotated[str | None, Field(max_length=2000), FREE_TEXT] = None


class Extend(DeploymentCommand):
    """Extend a live deployment's end, within the profile's steps and maximum."""

    action = "extend"
    who = "the role and rank of the profile's next extension step"

    until: AwareDatetime
    reason: Words


class Revoke(DeploymentCommand):
    """Revoke a live authorisation now."""

    action = "revoke"
    who = "the authoriser, or the profile's revoking role and rank"

    reason: Words


class Complete(DeploymentCommand):
    """Stand an active deployment down early because its job is done."""

    action = "complete"
    who = "the authoriser, or the profile's revoking role and rank"

    reason: Words


class RecordDebrief(DeploymentCommand):
    """Record the debrief of an ended deployment."""

    action = "debrief"
    who = "the proposer, the authoriser or a commander"

    report: Debrief


class PreApprove(DeploymentCommand):
    """Oversight's pre-approval for one deployment to go beyond its profile's ceiling."""

    action = "pre-approve"
    who = "oversight"

    reason: Annotated[str, Field(min_length=10, max_length=4000), FREE_TEXT]


class AddIntelligence(Command):
    """Store a sanitised, graded, area-level intelligence summary."""

    action = "intel-add"
    who = "an analyst or a proposer"

    area_codes: list[AreaCode] = Field(min_length=1, max_length=50)
    valid_from: AwareDatetime
    valid_to: AwareDatetime
    source: Literal[1, 2, 3]
    assessment: Literal["A", "B", "C", "D", "E"]
    handling: Literal["P", "C"]
    text: Annotated[str, Field(min_length=10, max_length=4000), FREE_TEXT]


class InstallProfile(Command):
    """Install a policy profile from its TOML text (a new version if it changed)."""

    action = "profile-install"
    who = "an administrator"

    text: str = Field(min_length=1, max_length=100_000, description="The profile's TOML text.")
    origin: str = Field(
        default="installed by an administrator",
        max_length=200,
        description="Where the text came from (a file name), for the record.",
    )


#: Every action on a deployment, by its name.
DEPLOYMENT_COMMANDS: dict[str, type[DeploymentCommand]] = {
    c.action: c
    for c in (
        Submit,
        Consult,
        AssessImpact,
        Respond,
        Authorise,
        Ratify,
        RecordNotice,
        Extend,
        Revoke,
        Complete,
        RecordDebrief,
        PreApprove,
    )
}

C = TypeVar("C", bound=Command)


def build(kind: type[C], data: dict[str, Any], origin: str | None = None) -> C:
    """A command from plain values, every problem named (``origin`` says where from)."""
    try:
        return kind.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise InvalidInput(f"{origin or kind.action}: {problems}") from error
