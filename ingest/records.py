"""Typed records: what readers produce and mappers consume. No RDF here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ontology.errors import InputError


class Confirmation(StrEnum):
    """How far the facts of a record were confirmed in the cited sources."""

    CONFIRMED = "confirmed"
    PARTLY = "partly"
    UNCONFIRMED = "unconfirmed"


class WhoPlans(StrEnum):
    """Bovaird's planning axis."""

    PROFESSIONALS = "professionals"
    JOINTLY = "jointly"
    COMMUNITY = "community"


class WhoDelivers(StrEnum):
    """Bovaird's delivery axis."""

    PROFESSIONALS = "professionals"
    JOINTLY = "jointly"
    COMMUNITY = "community"


@dataclass(frozen=True)
class Origin:
    """Where a record was read: file, record id and line (when the format has lines)."""

    file: str
    record: str
    line: int | None = None


@dataclass(frozen=True)
class Person:
    """A named person; the family name is required, the rest optional."""

    family: str
    given: str = ""
    orcid: str | None = None

    @property
    def display(self) -> str:
        return f"{self.given} {self.family}".strip()


@dataclass
class WorkRecord:
    """A publication of the canon."""

    key: str
    kind: str
    title: str
    origin: Origin
    authors: list[Person] = field(default_factory=list)
    editors: list[Person] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    volume: str | None = None
    issue: str | None = None
    page_start: str | None = None
    page_end: str | None = None
    doi: str | None = None
    isbn: str | None = None
    publisher: str | None = None
    abstract: str | None = None
    sources: list[str] = field(default_factory=list)
    status: Confirmation = Confirmation.UNCONFIRMED
    unverified: list[str] = field(default_factory=list)
    editorial_note: str | None = None
    cites: list[str] = field(default_factory=list)


@dataclass
class CaseRecord:
    """A documented real-world case of coproduction."""

    id: str
    name: str
    origin: Origin
    description: str | None = None
    place: str | None = None
    country: str | None = None
    start_year: int | None = None
    service_area: str | None = None
    who_plans: WhoPlans | None = None
    who_delivers: WhoDelivers | None = None
    discussed_in: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    status: Confirmation = Confirmation.UNCONFIRMED
    unverified: list[str] = field(default_factory=list)
    editorial_note: str | None = None


@dataclass
class ReadResult:
    """What a reader returns: the records it could read and the problems it found."""

    records: list[object] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)


@dataclass
class CatalogueWork(WorkRecord):
    """A work read from a cataloguing format (RIS, CSL-JSON, Crossref JSON).

    It adds what those formats carry beyond `WorkRecord`, so nothing is dropped:
    `extra` holds every other field as given (multiple values joined by newlines), and
    `formula_fields` names fields whose text starts like a spreadsheet formula
    (`=`, `+`, `-`, `@`): the text is kept as data, and CSV exports must neutralise it.
    """

    keywords: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    formula_fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Coded:
    """A Participedia coded value: the key as given and its English label, when known.

    The 2017 snapshot stores labels, not keys, so there `key` is found by label when the
    vocabulary has it and is None otherwise.
    """

    key: str | None
    label: str | None = None


@dataclass(frozen=True)
class EntityLink:
    """A link to another Participedia entry, as the export writes it: (id, type, title)."""

    id: str
    kind: str
    title: str | None = None


@dataclass
class ParticipediaEntry:
    """What Participedia cases, methods and organisations share.

    `form` is the source generation: "export" (participedia.net CSV), "2017" (relational CSV)
    or "2018" (key-based JSON). `facets` maps a coded field (named as in the current export,
    e.g. "general_issues") to its values. `extra` keeps every other field as given, except the
    personal data each reader documents it leaves out (contributor names, e-mail addresses).
    """

    id: str
    title: str | None
    origin: Origin
    form: str
    url: str | None = None
    description: str | None = None
    country: str | None = None
    province: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    facets: dict[str, list[Coded]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    collections: list[EntityLink] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    formula_fields: list[str] = field(default_factory=list)


@dataclass
class ParticipediaCase(ParticipediaEntry):
    """A Participedia case: dates (ISO `YYYY-MM-DD` as given), methods and organisers."""

    start_date: str | None = None
    end_date: str | None = None
    methods: list[EntityLink] = field(default_factory=list)
    organisers: list[EntityLink] = field(default_factory=list)
    part_of: list[EntityLink] = field(default_factory=list)
    components: list[EntityLink] = field(default_factory=list)


@dataclass
class ParticipediaMethod(ParticipediaEntry):
    """A Participedia method (a participatory process or tool)."""


@dataclass
class ParticipediaOrganisation(ParticipediaEntry):
    """A Participedia organisation."""
