"""What the report builder reads: plain data loaded from the database by loader.py."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class CategoryIn:
    key: str
    name_en: str
    name_fr: str


@dataclass(frozen=True)
class DisaggregationIn:
    key: str
    name_en: str
    name_fr: str
    categories: tuple[CategoryIn, ...]


@dataclass(frozen=True)
class LevelIn:
    id: int
    parent_id: int | None
    kind: str
    code: str
    statement_en: str
    statement_fr: str


@dataclass(frozen=True)
class IndicatorIn:
    id: int
    level_id: int
    code: str
    name_en: str
    name_fr: str
    unit: str
    aggregation: str
    direction: str
    baseline: Decimal | None
    target: Decimal | None
    decimals: int
    is_key: bool
    disaggregations: tuple[DisaggregationIn, ...] = ()
    is_cumulative: bool = False  # reported as a running total since the start
    verification_en: str = ""  # means of verification
    verification_fr: str = ""
    target_revised: dt.date | None = None  # its targets were last revised (after approval) on this day
    # Retired on this day: the loader left out its targets and values of the periods it is retired for
    # (submissions.queries.retired_for), so it is neither expected nor counted there; its past values stay.
    retired: dt.date | None = None


@dataclass(frozen=True)
class NarrativeIn:
    period: str
    en: str
    fr: str


@dataclass(frozen=True)
class JustifiedIn:
    period: str
    indicator: str
    code: str
    severity: str
    params: dict
    justification: str


@dataclass(frozen=True)
class ProjectIn:
    id: int
    code: str
    title_en: str
    title_fr: str
    summary_en: str
    summary_fr: str
    origin: tuple[str, ...]
    destination: tuple[str, ...]
    lead: str
    implementers: tuple[str, ...]
    funders: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    is_demo: bool
    periods: tuple[str, ...]  # the project's periods up to the report's last one
    levels: tuple[LevelIn, ...] = ()
    indicators: tuple[IndicatorIn, ...] = ()
    targets: dict = field(default_factory=dict)  # (indicator id, period) → Decimal
    values: dict = field(default_factory=dict)  # (indicator id, period, combination) → Decimal (approved)
    statuses: dict = field(default_factory=dict)  # period → submission status
    narratives: tuple[NarrativeIn, ...] = ()
    justified: tuple[JustifiedIn, ...] = ()
    return_reasons: tuple[tuple[str, str], ...] = ()  # (period, reason) of submissions still returned
    # Every period of the project's life with its due date and report, whatever the report's last period:
    # completeness and what is outstanding are judged on the date of the report, not as of its figures.
    reporting: tuple["ReportingIn", ...] = ()
    # French names of the organisations above, where they have one (English name → French name).
    names_fr: dict = field(default_factory=dict)

    def organisation(self, name: str, lang: str) -> str:
        """An organisation's name in the document's language (its English name when it has no other)."""
        return (self.names_fr.get(name) or name) if lang == "fr" else name


@dataclass(frozen=True)
class ReportingIn:
    period: str
    due_date: dt.date | None
    status: str | None  # a submission status, or None when nothing was reported
    on_time: bool  # submitted (or approved) no later than the due date


@dataclass(frozen=True)
class SubsectionIn:
    id: int
    letter: str
    title_en: str
    title_fr: str


@dataclass(frozen=True)
class SectionIn:
    id: int
    number: int | None
    title_en: str
    title_fr: str
    subsections: tuple[SubsectionIn, ...]


@dataclass(frozen=True)
class PracticeIn:
    key: str
    category_id: int
    subsection_id: int | None
    actor: str
    name_en: str
    name_fr: str
    summary_en: str
    summary_fr: str
    countries: tuple[str, ...]
    organisations: tuple[str, ...]
    figures: tuple[dict, ...]
    urls: tuple[str, ...]
    projects: tuple[str, ...]  # codes of linked tracked projects


@dataclass(frozen=True)
class AnnexIn:
    key: str
    title_en: str
    title_fr: str
    event: str
    year: int | None
    sections: tuple[SectionIn, ...]
    practices: tuple[PracticeIn, ...]  # in annex order
    projects: dict = field(default_factory=dict)  # code → ProjectIn, for their latest approved results
