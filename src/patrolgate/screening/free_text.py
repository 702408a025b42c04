"""Screening one free text for what would identify a person or a source.

What it does, and in what time. Each check is one regular expression scanned over the
text once (``finditer``: matches never overlap, and the scan goes on after each match).
Every pattern starts with a look-behind that lets it begin only at the start of a word or
number, and every repetition in it is bounded ({1,64}, never ``+`` or ``*``), so the work
from any start position is bounded by a constant and the whole screening is linear in the
length of the text, whatever it holds (``tests/screening`` feeds 2 MB adversarial texts).
What a match then needs in Python (digits counted, words looked up in the list) is bounded
per match.

Refused outright (a likely identity): e-mail addresses; telephone numbers (UK and
international, spaced, hyphenated or bracketed); full UK postcodes (an outward code such as
``SE15`` is an area and passes); vehicle registrations (current, prefix and suffix styles);
National Insurance numbers; dates of birth (``dob``, ``date of birth``, ``born`` with a
date); ages next to names (``Smith, 19``, ``Smith (19)``, ``Smith aged 19``,
``19-year-old John``); house-number addresses (``12 Acre Lane``, ``Flat 3``); PNC and CRO
references; source references (CHIS, informant); nicknames (``aka``).

Needs the author's confirmation (a possible name): a word written with a capital that is in
the shipped list of given names (``screening/data/given-names.txt``, about 10,000 names),
and runs of two or more capitalised words that are not a place or an organisation (``Acre
Lane``, ``Metropolitan Police`` pass; ``Okafor Adebayo`` does not).

What it cannot do: it does not understand language. A name written in lower case, a
surname standing alone mid-sentence that is not in the list, a name from outside the
list's mostly English-speaking origins standing alone, an identity described in words
("the tall man who runs the corner shop"), or an address without a house number pass
unnoticed; and place names that are also given names (``Victoria``) ask for confirmation.
Screening is a guard-rail for honest authors, not a proof that a text is anonymous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from patrolgate.errors import InvalidInput
from patrolgate.screening.given_names import given_names


def _words(text: str) -> frozenset[str]:
    """The words of ``text`` (lists of words written as prose, one space apart)."""
    return frozenset(text.split())


# Latin capitals and small letters, accents included (``re`` has no \p{Lu}).
_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ"
#: A word may start here: the previous character is no letter, digit or underscore.
_START = r"(?<![\w])"
_END = r"(?![\w])"

#: Words that end a street's name: a house number before them makes an address.
STREET_WORDS = _words(
    """road rd street st lane ln avenue ave close way drive dr court ct crescent cres gardens
    gdns place pl terrace grove hill square sq mews walk row parade rise vale view wharf yard
    green park estate house houses buildings tower towers mansions lodge cottages"""
)
#: Words that make a run of capitalised words a place, an organisation or a process; the
#: last lines are London borough and ward names that are also given names in the list.
PLACE_WORDS = STREET_WORDS | _words(
    """borough boroughs ward wards district council police service metropolitan met station
    underground tube overground railway bus airport hospital school schools academy college
    university church mosque temple synagogue market centre center shopping mall bridge
    common heath fields field high town city village hall library theatre cinema club
    stadium ground river canal north south east west central upper lower new old great
    little saint london england britain kingdom uk national county unit units team
    operation command group office authority partnership board trust forum panel
    commission commissioner mayor home secretary crown magistrates prison junction
    roundabout circus gate end cross rye wood primary secondary community youth section
    act code practice decision model impact assessment advisory independent monitoring
    strategic tactical operational firearms commander armed response vehicle patrol
    patrols public attitude survey professional criminal justice order orders stop search
    violence serious crime crimes gang gangs safer neighbourhood neighbourhoods plan
    intelligence tasking review debrief rationale proportionate legal accountable necessary
    equality engagement risk threat options action information powers policy ethics
    authorised authorisation superintendent inspector sergeant constable chief deputy
    assistant territorial specialist support scheme best use
    brent chelsea victoria richmond kingston sutton charlton dalston hayes kenton preston
    thornton crystal forest abbey lea maida royal queen queens king kings lady chase grange
    marsh mill mile brook harp gipsy trinity tudor venice welsh wells hale ham lock"""
)
#: Words that are given names in the list but, written with a capital, mostly mean
#: something else: months, days, seasons, ranks and a few common words.
NOT_NAMES = _words(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday will mark bill
    art hope faith joy sunny summer autumn winter spring christmas easter major
    general sergeant inspector constable commander chief"""
)
#: Words that begin a run of capitalised words without being part of a name.
FUNCTION_WORDS = _words(
    """the a an and or of in on at to for from by with without near into onto over under
    this that these those there their our we i it its he she they his her him them
    if when where while after before since during until as is are was were be been
    not no yes all any each every some most many more less one two three"""
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
#: A '+' or a 0 starting a number, then digits, spaces, brackets, dots and hyphens.
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?\d|\(0|0)[\d \t().-]{7,20}")
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_VEHICLE = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z]{2}\d{2} ?[A-Z]{3}|[A-Z]\d{1,3} ?[A-Z]{3}|[A-Z]{3} ?\d{1,3}[A-Z])"
    r"(?![A-Za-z0-9])"
)
_NATIONAL_INSURANCE = re.compile(
    r"(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}"
_DATE_OF_BIRTH = re.compile(
    _START + r"(?:dob|d\.o\.b|date[ \t]{1,3}of[ \t]{1,3}birth|born[ \t,]{1,3}"
    r"(?:(?:on|in|the)[ \t]{1,3}){0,2}(?:\d{1,4}|" + _MONTH + r"))" + _END,
    re.IGNORECASE,
)
_REFERENCES = re.compile(
    _START + r"(?:(pnc|cro)|(chis|informant|source[ \t]{0,3}ref(?:erence)?)|(aka|a\.k\.a))" + _END,
    re.IGNORECASE,
)
_STREETS = "|".join(sorted((w.capitalize() for w in STREET_WORDS), key=len, reverse=True))
_ADDRESS = re.compile(
    _START
    + r"(?:\d{1,4}[A-Za-z]?,?[ \t]{1,3}(?:["
    + _UP
    + r"]["
    + _LOW
    + r"'-]{0,30}[ \t]{1,3}){1,3}(?:"
    + _STREETS
    + r")|(?:Flat|Apartment)[ \t]{1,3}\d{1,4})"
    + _END
)
_CAPITALISED = f"[{_UP}][{_LOW}'-]{{1,30}}"
#: A capitalised word, then ", 19" / " (19)" / " aged 19", then a comma, bracket, full
#: stop, 'and', 'years' or the end.
_AGE_AFTER = re.compile(
    _START
    + f"({_CAPITALISED})"
    + r"(?:(?:,[ \t]{0,3}|[ \t]{0,3}\()(\d{1,3})"
    + r"(?=[ \t]{0,3}(?:[,).;]|and\b|years?\b|yrs?\b|yo\b|-year|$))"
    + r"|[ \t]{1,3}aged?[ \t]{1,3}(\d{1,3}))"
)
#: '19-year-old John', '19 year old Smith'.
_AGE_BEFORE = re.compile(
    r"(?<!\d)(\d{1,3})[ \t-]{0,3}(?:years?|yrs?)[ \t-]{0,3}(?:old)?[ \t-]{1,3}"
    + f"({_CAPITALISED})"
)
#: Up to six capitalised words (or words in capitals) one space apart.
_CAPITALISED_RUN = re.compile(
    _START + f"{_CAPITALISED}(?: {_CAPITALISED}){{0,5}}" + _END + f"|{_START}[{_UP}]{{4,30}}"
    f"(?: [{_UP}]{{2,30}}){{0,5}}" + _END
)


class IdentityInText(InvalidInput):
    """A free text appears to identify a person or a source: refused."""


class PossibleNameInText(InvalidInput):
    """A free text may name a person: stored only once its author confirms it does not."""


@dataclass(frozen=True)
class Screening:
    """What one text appears to hold.

    ``identifiers`` say what kind of identity was found and where (never the identity
    itself, which must not be echoed back or logged); ``possible_names`` are the words
    that may be a person's name, for the author to check.
    """

    identifiers: tuple[str, ...] = ()
    possible_names: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """Nothing found."""
        return not self.identifiers and not self.possible_names


def screen(text: str) -> Screening:
    """What in ``text`` identifies, or may identify, a person or a source (linear time)."""
    found: dict[str, int] = {}

    def first(what: str, pattern: re.Pattern[str], accept: object = None) -> None:
        for match in pattern.finditer(text):
            if accept is None or accept(match):  # type: ignore[operator]
                found.setdefault(what, match.start())
                return

    first("an e-mail address", _EMAIL)
    first("a telephone number", _PHONE, _is_phone)
    first("a postcode", _POSTCODE)
    first("a vehicle registration", _VEHICLE)
    first("a National Insurance number", _NATIONAL_INSURANCE)
    first("a date of birth", _DATE_OF_BIRTH)
    for match in _REFERENCES.finditer(text):
        kind = (
            "a PNC or CRO reference"
            if match.group(1)
            else "a source reference"
            if match.group(2)
            else "a person's nickname"
        )
        found.setdefault(kind, match.start())
    first("a house-number address", _ADDRESS)
    first("an age next to a name", _AGE_AFTER, lambda m: _name_like(m.group(1)))
    first("an age next to a name", _AGE_BEFORE, lambda m: _name_like(m.group(2)))
    return Screening(
        identifiers=tuple(f"{what} (at character {at + 1})" for what, at in found.items()),
        possible_names=_possible_names(text),
    )


def _is_phone(match: re.Match[str]) -> bool:
    """10 to 13 digits in at most six groups, counted group by group from the start."""
    digits = 0
    groups = 0
    for group in re.split(r"[ \t().-]", match.group()):  # at most 24 characters
        if not group:
            continue
        groups += 1
        digits += len(group)
        if groups > 6 or digits > 13:
            return False
        if digits >= 10 and (groups > 1 or digits <= 11):
            return True
    return False


def _name_like(word: str) -> bool:
    lower = word.lower()
    return lower not in FUNCTION_WORDS and lower not in PLACE_WORDS and lower not in NOT_NAMES


def _sentence_start(text: str, at: int) -> bool:
    """Whether the word at ``at`` begins the text, a line or a sentence (looking back
    over at most 40 spaces)."""
    before = text[max(0, at - 40) : at].rstrip(" \t")
    return not before or before[-1] in '.!?:;\n"“(•-'


def _possible_names(text: str) -> tuple[str, ...]:
    """Given names of the list, and runs of capitalised words that are no place's."""
    known = given_names()
    names: dict[str, None] = {}
    for match in _CAPITALISED_RUN.finditer(text):
        words = match.group().split(" ")
        lower = [w.lower() for w in words]
        if any(w in PLACE_WORDS for w in lower):
            continue
        start = match.start()
        starts_sentence = _sentence_start(text, start)
        if lower[0] in FUNCTION_WORDS:
            words, lower, starts_sentence = words[1:], lower[1:], False
        if not words:
            continue
        people = any(w in known and w not in NOT_NAMES for w in lower)
        capital = not words[0].isupper()
        if len(words) >= 2 and (capital or people):
            names.setdefault(" ".join(words), None)
        elif len(words) == 1 and people and capital and not starts_sentence:
            names.setdefault(words[0], None)
    return tuple(names)


def require_screened(text: str, what: str, *, names_confirmed: bool = False) -> str:
    """``text`` if it may be stored; refuses identifiers always, possible names unless the
    author confirmed they are not people."""
    found = screen(text)
    if found.identifiers:
        raise IdentityInText(
            f"{what} appears to hold {', '.join(found.identifiers)}; store area-level "
            "text only, never identities"
        )
    if found.possible_names and not names_confirmed:
        raise PossibleNameInText(
            f"{what} may name a person ({', '.join(found.possible_names)}); remove the "
            "name, or confirm that these words are not people"
        )
    return text
