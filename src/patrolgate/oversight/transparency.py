"""The public transparency report of one calendar month (local time), per borough and power.

Counts from 1 to N−1 are shown as "fewer than N" (N = :data:`DEFAULT_FEWER_THAN` unless set):
a borough-month with one arrest or one complaint must not point at anyone. Zero is shown as
0. Hours are shown to the tenth. Consultation and impact assessment are described in words
and dates, not counts, so they cannot undo the suppression. The report closes with the
audit chain head at the end of the month: anyone who keeps it can later run
``patrolgate audit verify --published-head SEQ:HASH`` to check nothing before it was rewritten.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from patrolgate.audit import GENESIS
from patrolgate.csv_export import write_rows
from patrolgate.errors import InvalidInput
from patrolgate.oversight.facts import Deployed, borough_names, load_deployed
from patrolgate.store import Database
from patrolgate.store.audit_tables import AuditEntryRow
from patrolgate.timekeeping import month_interval

#: Counts below this are published as "fewer than N" (design: small enough to keep rare
#: deployments visible, large enough that a single arrest or complaint cannot be read off).
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


def shown(count: int, fewer_than: int) -> int | str:
    """A count as published: 0, "fewer than N", or the count itself."""
    if 0 < count < fewer_than:
        return f"fewer than {fewer_than}"
    return count


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
    fewer_than: int,
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
    grounds = sorted({d.grounds_summary for d in authorised if d.grounds_summary})
    return {
        "borough_code": code,
        "borough": name,
        "profile": profile,
        "authorisations": shown(len(authorised), fewer_than),
        "hours": round(sum(d.hours_within(low, upto) for d in group), 1),
        "triggers": {k: shown(v, fewer_than) for k, v in sorted(triggers.items())},
        "consultation": consultation,
        "consultation_dates": _dates(first_consulted, timezone),
        "impact_assessment": _done_words(
            assessed, when, any(d.needs_impact_assessment for d in authorised)
        ),
        "impact_assessment_dates": _dates(assessed, timezone),
        "extensions": shown(extensions, fewer_than),
        "revocations": shown(sum(1 for d in ended if d.end_reason == "revoked"), fewer_than),
        "lapsed": shown(sum(1 for d in ended if d.end_reason == "lapsed"), fewer_than),
        "debriefed": "all"
        if authorised and len(debriefed) == len(authorised)
        else ("none" if not debriefed else "some"),
        "outcomes": {k: shown(v, fewer_than) for k, v in sorted(outcomes.items())},
        "profile_versions": versions,
        # One line per authorisation would give away a suppressed count: only then withheld.
        "grounds": grounds
        if len(authorised) >= fewer_than
        else (["given in writing; summaries withheld with the count"] if grounds else []),
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


def transparency_report(
    database: Database,
    month: Month,
    *,
    now: datetime,
    timezone: ZoneInfo,
    fewer_than: int = DEFAULT_FEWER_THAN,
) -> dict[str, Any]:
    """The month's report: rows per borough and power, London totals and the chain head."""
    if fewer_than < 1:
        raise InvalidInput(f"--fewer-than must be at least 1, not {fewer_than}")
    in_month = [
        d for d in load_deployed(database, now) if d.overlaps(month.start, min(month.end, now))
    ]
    names = borough_names(database)
    groups: dict[tuple[str, str], list[Deployed]] = defaultdict(list)
    for d in in_month:
        for code in d.borough_codes:
            groups[(code, d.profile_name)].append(d)
    rows = [
        _row(code, names.get(code, code), profile, group, month, timezone, fewer_than, now)
        for (code, profile), group in sorted(
            groups.items(), key=lambda item: (names.get(item[0][0], item[0][0]), item[0][1])
        )
    ]
    by_profile: dict[str, list[Deployed]] = defaultdict(list)
    for d in in_month:
        by_profile[d.profile_name].append(d)
    london = [
        _row("london", "London (each deployment once)", p, g, month, timezone, fewer_than, now)
        for p, g in sorted(by_profile.items())
    ]
    return {
        "title": f"Exceptional police powers in London: {month.label}",
        "month": month.label,
        "from": month.start.isoformat(),
        "to": month.end.isoformat(),
        "generated_at": now.astimezone(timezone).isoformat(),
        "fewer_than": fewer_than,
        "suppression": f"counts from 1 to {fewer_than - 1} are shown as 'fewer than {fewer_than}'"
        if fewer_than > 1
        else "no counts are suppressed",
        "boroughs": rows,
        "london": london,
        "audit_head": chain_head_at(database, month.end),
    }


CSV_COLUMNS = (
    "borough_code",
    "borough",
    "profile",
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
    out.write(f"# {report['suppression']}\n")
    out.write(f"# audit chain head at the end of {report['month']}: {head['seq']}:{head['hash']}\n")
    return out.getvalue()
