"""The public transparency report of one calendar month (local time), per borough and power.

Each authorisation is public: it has its own line (ward, times, the authoriser's rank, a
summary of the grounds, the consultation outcome, the evaluation verdict), so the counts of
authorisations, extensions, revocations and lapses are published as they are. What could
point at a person is what was done to people: the outcome counts (arrests, searches, …).
Those from 1 to N−1 are withheld (N = :data:`DEFAULT_FEWER_THAN` unless set), and so are as
many more as needed for no withheld count to be worked out from the London totals
(complementary suppression, :mod:`.suppression`). Zero is shown as 0; hours to the tenth.

A month is reported once it has ended; the current month is shown "so far", and a month
that has not begun has no figures. The report closes with the audit chain head at the end
of the month (for the current month, at the end of yesterday): anyone who keeps it can later
run ``patrolgate audit verify --published-head SEQ:HASH`` to check nothing before it was
rewritten.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from patrolgate.audit import GENESIS
from patrolgate.csv_export import write_rows
from patrolgate.errors import InvalidInput
from patrolgate.oversight.facts import Deployed, borough_names, load_deployed
from patrolgate.oversight.suppression import WITHHELD, Relation, suppress
from patrolgate.policy import Rank, Trigger
from patrolgate.store import Database
from patrolgate.store.audit_tables import AuditEntryRow
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentEvaluationRow,
    DeploymentRow,
    UserRow,
)
from patrolgate.timekeeping import month_interval

#: Outcome counts below this are withheld (design: small enough to keep most figures
#: visible, large enough that a single arrest or complaint cannot be read off).
DEFAULT_FEWER_THAN = 3

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

#: The years a report may cover: the earliest records any source holds, and the last year
#: whose following month a calendar can still name.
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True)
class Month:
    """A calendar month in the force's local time: ``[start, end)``."""

    label: str
    start: datetime
    end: datetime


def parse_month(text: str, timezone: ZoneInfo) -> Month:
    """``YYYY-MM`` (years :data:`FIRST_YEAR` to :data:`LAST_YEAR`) as local month bounds."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(f"--month: {text!r} is not a month such as 2026-06")
    year, month = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"--month: {text!r} is outside the years {FIRST_YEAR} to {LAST_YEAR} a report covers"
        )
    start, end = month_interval(year, month, timezone.key)
    return Month(
        label=f"{year:04d}-{month:02d}",
        start=start.astimezone(timezone),
        end=end.astimezone(timezone),
    )


#: Each trigger in plain words, for the public.
TRIGGER_WORDS = {
    Trigger.IMMINENT_INTELLIGENCE.value: "intelligence of imminent violence",
    Trigger.SERIOUS_ASSAULT.value: "a serious assault has taken place",
}

#: Each shipped power in plain words (an installed profile's own title is used otherwise).
POWER_WORDS = {
    "armed-patrol": "Armed police foot patrol",
    "s60-statutory": "Stop and search without suspicion (section 60)",
    "s60-strict": "Stop and search without suspicion (section 60, Best Use scheme)",
    "dispersal-s34": "Dispersal order (section 34)",
}

#: An evaluation's verdict in plain words.
VERDICT_WORDS = {
    "fewer": "fewer incidents than expected while it was in force",
    "more": "more incidents than expected while it was in force",
    "no-detectable-change": "no detectable change in incidents",
    "not-enough-data": "not enough data to tell",
    "not-evaluable": "could not be evaluated",
}

#: A consultation's outcome in plain words.
CONSULTATION_WORDS = {
    "support": "supported",
    "concerns": "concerns raised",
    "object": "objected",
}


def trigger_words(trigger: str) -> str:
    """A trigger as the public reads it."""
    return TRIGGER_WORDS.get(trigger, trigger.replace("-", " "))


def power_words(name: str, title: str | None = None) -> str:
    """A power (profile) as the public reads it."""
    return POWER_WORDS.get(name) or title or name.replace("-", " ")


def _done_words(
    times: Sequence[datetime | None], authorised: Sequence[datetime], required: bool
) -> str:
    done = [t for t in times if t is not None]
    if not times:
        return "no authorisation this month"
    if not done:
        return "not done" if required else "not required by this power, not done"
    if len(done) < len(times):
        return "done for some authorisations only"
    before = all(t <= a for t, a in zip(times, authorised, strict=True) if t is not None)
    return "done, before authorisation" if before else "done; some after authorisation (urgent)"


def _dates(times: Sequence[datetime | None], timezone: ZoneInfo) -> list[str]:
    return sorted({t.astimezone(timezone).date().isoformat() for t in times if t is not None})


def _row(
    code: str,
    name: str,
    profile: str,
    group: Sequence[Deployed],
    month: Month,
    timezone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    low, high = month.start, month.end
    upto = min(high, now)
    authorised = [d for d in group if low <= d.authorised_at < high]
    triggers: dict[str, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    for d in authorised:
        triggers[d.trigger] += 1
        for key, value in d.outcomes.items():
            outcomes[key] += value
    first_consulted = [d.consulted_at[0] if d.consulted_at else None for d in authorised]
    assessed = [d.impact_assessed_at for d in authorised]
    when = [d.authorised_at for d in authorised]
    extensions = sum(1 for d in group for t in d.extended_at if low <= t < high)
    ended = [d for d in group if low <= d.stop < upto and d.end_reason is not None]
    debriefed = [d for d in authorised if d.debriefed_at is not None]
    consultation = _done_words(first_consulted, when, any(d.needs_consultation for d in authorised))
    objected = [d for d in authorised if d.objected]
    if objected:
        answered = all(d.objections_answered for d in objected)
        consultation = (
            "objected"
            + ("" if len(objected) == len(authorised) else " (for some)")
            + "; "
            + ("authoriser's response recorded" if answered else "no written response recorded")
        )
    versions = sorted(
        {
            f"version {d.profile_version}, sha256 {(d.profile_sha256 or '')[:12]}"
            for d in authorised
            if d.profile_version is not None
        }
    )
    title = next((d.frozen_profile.get("title") for d in group if d.frozen_profile), None)
    return {
        "borough_code": code,
        "borough": name,
        "profile": profile,
        "power": power_words(profile, title if isinstance(title, str) else None),
        "authorisations": len(authorised),
        "hours": round(sum(d.hours_within(low, upto) for d in group), 1),
        "triggers": {trigger_words(k): v for k, v in sorted(triggers.items())},
        "consultation": consultation,
        "consultation_dates": _dates(first_consulted, timezone),
        "impact_assessment": _done_words(
            assessed, when, any(d.needs_impact_assessment for d in authorised)
        ),
        "impact_assessment_dates": _dates(assessed, timezone),
        "extensions": extensions,
        "revocations": sum(1 for d in ended if d.end_reason == "revoked"),
        "lapsed": sum(1 for d in ended if d.end_reason == "lapsed"),
        "debriefed": "all"
        if authorised and len(debriefed) == len(authorised)
        else ("none" if not debriefed else "some"),
        # Exact here; :func:`_suppress_outcomes` withholds them across the whole report.
        "outcomes": dict(sorted(outcomes.items())),
        "profile_versions": versions,
        "grounds": sorted({d.grounds_summary for d in authorised if d.grounds_summary}),
    }


def chain_head_at(database: Database, instant: datetime) -> dict[str, Any]:
    """The audit chain head as it stood at ``instant``: the last entry recorded before it."""
    with database.sessions() as session:
        found = session.execute(
            select(AuditEntryRow.seq, AuditEntryRow.hash, AuditEntryRow.recorded_at)
            .where(AuditEntryRow.recorded_at < instant)
            .order_by(AuditEntryRow.seq.desc())
            .limit(1)
        ).first()
    seq, hash_, at = (int(found[0]), str(found[1]), found[2]) if found else (0, GENESIS, None)
    return {
        "seq": seq,
        "hash": hash_,
        "recorded_at": at.isoformat() if at else None,
        "verify_with": f"patrolgate audit verify --published-head {seq}:{hash_}",
    }


def _suppress_outcomes(
    rows: list[dict[str, Any]], london: list[dict[str, Any]], fewer_than: int
) -> None:
    """Withhold small outcome counts, and their complements, in place (borough rows and
    London totals of each power and outcome form one published relation)."""
    values: dict[tuple[str, str, str], int] = {}
    for row in [*rows, *london]:
        for key, count in row["outcomes"].items():
            values[(row["borough_code"], row["profile"], key)] = int(count)
    relations = []
    for total in london:
        for key in total["outcomes"]:
            cells = tuple(
                (r["borough_code"], r["profile"], key)
                for r in rows
                if r["profile"] == total["profile"] and key in r["outcomes"]
            )
            relations.append(Relation(("london", total["profile"], key), cells))
    hidden = suppress(values, relations, fewer_than)
    for row in [*rows, *london]:
        row["outcomes"] = {
            key: WITHHELD if (row["borough_code"], row["profile"], key) in hidden else count
            for key, count in row["outcomes"].items()
        }


def _consultation_words(outcomes: Sequence[str], needed: bool, answered: bool) -> str:
    if not outcomes:
        return "not consulted" + ("" if needed else " (not required for this power)")
    words = [CONSULTATION_WORDS.get(o, o) for o in dict.fromkeys(outcomes)]
    text = ", ".join(words)
    if "object" in outcomes:
        text += "; the authoriser answered in writing" if answered else "; no written answer"
    return text


def public_lines(
    database: Database, deployed: Sequence[Deployed], timezone: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """One public line per authorisation: where (ward names), when, who by (rank only), why
    (the grounds in one line), the consultation outcome and the evaluation verdict."""
    ids = [d.id for d in deployed]
    with database.sessions() as session:
        deciders = dict(
            session.execute(
                select(DeploymentRow.id, UserRow.rank)
                .join(UserRow, UserRow.login == DeploymentRow.authorised_by)
                .where(DeploymentRow.id.in_(ids))
            ).all()
        )
        consulted: dict[str, list[str]] = defaultdict(list)
        for deployment_id, outcome in session.execute(
            select(ConsultationRow.deployment_id, ConsultationRow.outcome)
            .where(ConsultationRow.deployment_id.in_(ids))
            .order_by(ConsultationRow.recorded_at)
        ):
            consulted[deployment_id].append(outcome)
        verdicts = dict(
            session.execute(
                select(
                    DeploymentEvaluationRow.deployment_id, DeploymentEvaluationRow.verdict
                ).where(DeploymentEvaluationRow.deployment_id.in_(ids))
            ).all()
        )
        codes = sorted({c for d in deployed for c in d.area_codes})
        area_names: dict[str, str] = {
            row.code: row.name
            for row in session.execute(
                select(AreaRow.code, AreaRow.name).where(AreaRow.code.in_(codes))
            )
        }
    boroughs = borough_names(database)

    def local(instant: datetime) -> str:
        return instant.astimezone(timezone).strftime("%a %d %b %Y %H:%M %Z")

    lines = []
    for d in sorted(deployed, key=lambda d: (d.start, d.id)):
        title = d.frozen_profile.get("title") if d.frozen_profile else None
        rank = deciders.get(d.id)
        verdict = verdicts.get(d.id)
        in_force = d.stop > now
        lines.append(
            {
                "id": d.id,
                "power": power_words(d.profile_name, title if isinstance(title, str) else None),
                "trigger": trigger_words(d.trigger),
                "wards": [area_names.get(c, c) for c in d.area_codes],
                "boroughs": [boroughs.get(c, c) for c in d.borough_codes],
                "from": local(d.start),
                "to": local(d.stop),
                "in_force": in_force,
                "authorised_by_rank": Rank(rank).words if rank else "not recorded",
                "urgent": d.urgent,
                "grounds": d.grounds_summary or "not recorded",
                "consultation": _consultation_words(
                    consulted.get(d.id, []), d.needs_consultation, d.objections_answered
                ),
                "evaluation": VERDICT_WORDS.get(verdict, verdict.replace("-", " "))
                if verdict
                else ("not yet: still in force" if in_force else "not yet evaluated"),
            }
        )
    return lines


def _period(month: Month, now: datetime, timezone: ZoneInfo) -> tuple[str, datetime | None, str]:
    """Whether ``month`` has ended, is under way or has not begun; the instant its chain
    head is quoted at (the end of a finished period: the month's end, or the end of
    yesterday while the month runs); and the words for that instant."""
    if now >= month.end:
        return "ended", month.end, f"at the end of {_month_words(month)}"
    if now < month.start:
        return "not begun", None, ""
    today = now.astimezone(timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    midnight = datetime.combine(today.date(), datetime.min.time(), tzinfo=timezone)
    if midnight <= month.start:
        return "so far", None, ""
    yesterday = (midnight - timedelta(days=1)).strftime("%-d %B %Y")
    return "so far", midnight, f"at the end of {yesterday}"


def _month_words(month: Month) -> str:
    return month.start.strftime("%B %Y")


def transparency_report(
    database: Database,
    month: Month,
    *,
    now: datetime,
    timezone: ZoneInfo,
    fewer_than: int = DEFAULT_FEWER_THAN,
) -> dict[str, Any]:
    """The month's report: rows per borough and power, London totals, one public line per
    authorisation and the chain head at the end of a finished period."""
    if fewer_than < 1:
        raise InvalidInput(f"--fewer-than must be at least 1, not {fewer_than}")
    status, head_at, head_words = _period(month, now, timezone)
    in_month = (
        []
        if status == "not begun"
        else [
            d for d in load_deployed(database, now) if d.overlaps(month.start, min(month.end, now))
        ]
    )
    names = borough_names(database)
    groups: dict[tuple[str, str], list[Deployed]] = defaultdict(list)
    for d in in_month:
        for code in d.borough_codes:
            groups[(code, d.profile_name)].append(d)
    rows = [
        _row(code, names.get(code, code), profile, group, month, timezone, now)
        for (code, profile), group in sorted(
            groups.items(), key=lambda item: (names.get(item[0][0], item[0][0]), item[0][1])
        )
    ]
    by_profile: dict[str, list[Deployed]] = defaultdict(list)
    for d in in_month:
        by_profile[d.profile_name].append(d)
    london = [
        _row("london", "London (each deployment once)", p, g, month, timezone, now)
        for p, g in sorted(by_profile.items())
    ]
    _suppress_outcomes(rows, london, fewer_than)
    local_now = now.astimezone(timezone)
    label = _month_words(month)
    if status == "so far":
        label += f" so far, at {local_now.strftime('%H:%M %Z on %-d %B')}"
    elif status == "not begun":
        label += " (not begun)"
    return {
        "title": f"Exceptional police powers in London: {label}",
        "month": month.label,
        "month_words": _month_words(month),
        "status": status,
        "from": month.start.isoformat(),
        "to": month.end.isoformat(),
        "generated_at": local_now.isoformat(),
        "fewer_than": fewer_than,
        "suppression": (
            f"outcome counts from 1 to {fewer_than - 1} are '{WITHHELD}', and so is any other "
            "count from which a withheld one could be worked out with the London totals"
        )
        if fewer_than > 1
        else "no counts are withheld",
        "boroughs": rows,
        "london": london,
        "deployments": public_lines(database, in_month, timezone, now),
        "audit_head": {**chain_head_at(database, head_at), "as_of": head_words}
        if head_at is not None
        else None,
    }


CSV_COLUMNS = (
    "borough_code",
    "borough",
    "profile",
    "power",
    "authorisations",
    "hours",
    "triggers",
    "consultation",
    "consultation_dates",
    "impact_assessment",
    "impact_assessment_dates",
    "extensions",
    "revocations",
    "lapsed",
    "debriefed",
    "outcomes",
)


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


def transparency_csv(report: dict[str, Any]) -> str:
    """One line per borough and power, then London's lines; the chain head as a comment.

    Imported names and outcome names are text from outside: no cell is left that a
    spreadsheet would read as a formula (:mod:`patrolgate.csv_export`).
    """
    out = io.StringIO()
    rows = [*report["boroughs"], *report["london"]]
    write_rows(out, [CSV_COLUMNS, *([_cell(row[c]) for c in CSV_COLUMNS] for row in rows)])
    head = report["audit_head"]
    out.write(f"# {report['title']}\n")
    out.write(f"# {report['suppression']}\n")
    if head is not None:
        out.write(f"# audit chain head {head['as_of']}: {head['seq']}:{head['hash']}\n")
    return out.getvalue()
