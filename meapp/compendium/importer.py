"""Reading an annex file (the schema of gfmd2020_annex_facts.yaml) into checked plain data.

Only `source`, `categories`, `practices` and `pilot_projects` are read; other keys are ignored. Every
problem names the practice (or category) id and the field, and one bad practice stops the whole import.

French names are optional beside the English ones: `source.event_fr`; a practice's `actor_fr`; an
organisation is a string (its English name, as the source prints it) or a mapping with `name` (a
proper name, the same in both languages) and/or `name_en`, `name_fr`; a figure's `unit_fr`. A unit may
hold `{value}` where the value goes ("Article {value}", "objectif {value} du PMM").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from meapp.core.text import CONTROL  # noqa: E402

COUNTRY = re.compile(r"^[A-Z]{2}$")
# Addresses are kept as printed in the source (some hold spaces); only the scheme is checked.
URL = re.compile(r"^https?://.+", re.IGNORECASE)


class ImportError_(ValueError):
    """A file that cannot be imported; `problems` lists every 'where: what'."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SubsectionSpec:
    key: str
    letter: str
    title_en: str
    title_fr: str


@dataclass(frozen=True)
class CategorySpec:
    key: str
    number: int | None
    title_en: str
    title_fr: str
    subsections: tuple[SubsectionSpec, ...] = ()


@dataclass(frozen=True)
class PracticeSpec:
    key: str
    category: str
    subsection: str | None
    actor: str
    name_en: str
    name_fr: str
    summary_en: str
    summary_fr: str
    countries: tuple[str, ...]
    organisations: tuple[dict, ...]  # {"name_en": …, "name_fr": …}, either may be ""
    figures: tuple[dict, ...]
    urls: tuple[str, ...]
    actor_fr: str = ""


@dataclass(frozen=True)
class EditionSpec:
    title_en: str
    title_fr: str
    event: str
    year: int | None
    categories: tuple[CategorySpec, ...]
    practices: tuple[PracticeSpec, ...]
    links: dict = field(default_factory=dict)  # practice key → project codes (from pilot_projects)
    event_fr: str = ""


def _text(value, where: str, problems: list[str], required: bool = False, limit: int = 10000) -> str:
    if value is None:
        if required:
            problems.append(f"{where}: missing")
        return ""
    if not isinstance(value, (str, int, float)):
        problems.append(f"{where}: must be text")
        return ""
    text = str(value).strip()
    if required and not text:
        problems.append(f"{where}: empty")
    if CONTROL.search(text):
        problems.append(f"{where}: holds control characters")
    if len(text) > limit:
        problems.append(f"{where}: longer than {limit} characters")
    return text


def _list(value, where: str, problems: list[str]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list")
        return []
    return value


def parse(text: str) -> EditionSpec:
    """Check the whole file; raise ImportError_ with every problem found."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise ImportError_([f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    if not isinstance(data, dict):
        raise ImportError_(["file: must be a mapping with source, categories and practices"])
    problems: list[str] = []
    source = data.get("source") or {}
    if not isinstance(source, dict):
        problems.append("source: must be a mapping")
        source = {}
    year = source.get("year")
    if year is not None and not isinstance(year, int):
        problems.append("source.year: must be a whole number")
        year = None
    categories, keys, subsection_keys = [], set(), {}
    for index, item in enumerate(_list(data.get("categories"), "categories", problems)):
        if not isinstance(item, dict):
            problems.append(f"categories[{index}]: must be a mapping")
            continue
        key = _text(item.get("key"), f"categories[{index}].key", problems, required=True, limit=80)
        where = f"category {key or index}"
        if key in keys:
            problems.append(f"{where}: key used twice")
        keys.add(key)
        number = item.get("number")
        if number is not None and not isinstance(number, int):
            problems.append(f"{where}.number: must be a whole number or null")
            number = None
        subs = []
        for j, sub in enumerate(_list(item.get("subsections"), f"{where}.subsections", problems)):
            if not isinstance(sub, dict):
                problems.append(f"{where}.subsections[{j}]: must be a mapping")
                continue
            sub_key = _text(sub.get("key"), f"{where}.subsections[{j}].key", problems, required=True, limit=80)
            letter = _text(sub.get("letter"), f"{where}.subsection {sub_key}.letter", problems, required=True, limit=3)
            subs.append(SubsectionSpec(sub_key, letter,
                                       _text(sub.get("title_en"), f"{where}.subsection {sub_key}.title_en", problems),
                                       _text(sub.get("title_fr"), f"{where}.subsection {sub_key}.title_fr", problems)))
            subsection_keys[(key, sub_key)] = True
        categories.append(CategorySpec(key, number, _text(item.get("title_en"), f"{where}.title_en", problems),
                                       _text(item.get("title_fr"), f"{where}.title_fr", problems), tuple(subs)))
    practices, seen = [], set()
    for index, item in enumerate(_list(data.get("practices"), "practices", problems)):
        if not isinstance(item, dict):
            problems.append(f"practices[{index}]: must be a mapping")
            continue
        key = _text(item.get("id"), f"practices[{index}].id", problems, required=True, limit=120)
        where = f"practice {key or index}"
        if key in seen:
            problems.append(f"{where}.id: used twice")
        seen.add(key)
        category = _text(item.get("category"), f"{where}.category", problems, required=True)
        if category and category not in keys:
            problems.append(f"{where}.category: unknown category {category!r}")
        subsection = item.get("subsection")
        if subsection is not None and not isinstance(subsection, str):
            problems.append(f"{where}.subsection: must be a subsection key or null")
            subsection = None
        elif subsection is not None and (category, subsection) not in subsection_keys:
            problems.append(f"{where}.subsection: {subsection!r} is not a subsection of {category!r}")
        countries = [str(c) for c in _list(item.get("countries"), f"{where}.countries", problems)]
        for code in countries:
            if not COUNTRY.match(code):
                problems.append(f"{where}.countries: {code!r} is not an ISO 3166 code")
        urls = [_text(u, f"{where}.urls", problems, limit=2000)
                for u in _list(item.get("urls"), f"{where}.urls", problems)]
        for url in urls:
            if url and not URL.match(url):
                problems.append(f"{where}.urls: {url[:60]!r} is not an http(s) address")
        figures = [_figure(f, f"{where}.figures[{k}]", problems)
                   for k, f in enumerate(_list(item.get("figures"), f"{where}.figures", problems))]
        name = _text(item.get("name"), f"{where}.name", problems, limit=1000)  # some practices have none
        practices.append(PracticeSpec(
            key=key, category=category, subsection=subsection,
            actor=_text(item.get("actor"), f"{where}.actor", problems, required=True, limit=300),
            actor_fr=_text(item.get("actor_fr"), f"{where}.actor_fr", problems, limit=300),
            name_en=_text(item.get("name_en"), f"{where}.name_en", problems, limit=1000) or name,
            # A single `name` is a proper name: the same in both languages.
            name_fr=_text(item.get("name_fr"), f"{where}.name_fr", problems, limit=1000) or name,
            summary_en=_text(item.get("summary_en"), f"{where}.summary_en", problems),
            summary_fr=_text(item.get("summary_fr"), f"{where}.summary_fr", problems),
            countries=tuple(dict.fromkeys(countries)),
            organisations=tuple(_organisation(o, f"{where}.organisations[{k}]", problems) for k, o in
                                enumerate(_list(item.get("organisations"), f"{where}.organisations", problems))),
            figures=tuple(figures), urls=tuple(u for u in urls if u)))
    links: dict[str, list[str]] = {}
    for k, project in enumerate(_list(data.get("pilot_projects"), "pilot_projects", problems)):
        ids = project.get("practice_ids") if isinstance(project, dict) else None
        if not isinstance(project, dict) or not isinstance(ids or [], list) or \
                not isinstance(project.get("code"), str):
            problems.append(f"pilot_projects[{k}]: must have a code and a list of practice_ids")
            continue
        for practice_id in ids or []:
            links.setdefault(str(practice_id), []).append(project["code"])
    titles = [_text(source.get(f), f"source.{f}", problems, limit=400)
              for f in ("title_en", "title_fr", "event", "event_fr")]
    if problems:
        raise ImportError_(problems)
    return EditionSpec(titles[0], titles[1], titles[2], year, tuple(categories), tuple(practices), links,
                       event_fr=titles[3])


ORGANISATION_FIELDS = ("name", "name_en", "name_fr")


def _organisation(item, where: str, problems: list[str]) -> dict:
    """An organisation as {"name_en", "name_fr"}: a string is its English name; `name` is a proper name."""
    if isinstance(item, str):
        return {"name_en": _text(item, where, problems, required=True, limit=300), "name_fr": ""}
    if not isinstance(item, dict):
        problems.append(f"{where}: must be a name or a mapping with name, name_en or name_fr")
        return {"name_en": "", "name_fr": ""}
    for unknown in sorted(set(item) - set(ORGANISATION_FIELDS), key=str):
        problems.append(f"{where}.{unknown}: unknown field (name, name_en or name_fr)")
    names = {f: _text(item.get(f), f"{where}.{f}", problems, limit=300) for f in ORGANISATION_FIELDS}
    if not any(names.values()):
        problems.append(f"{where}: has no name")
    return {"name_en": names["name_en"] or names["name"], "name_fr": names["name_fr"] or names["name"]}


def _figure(figure, where: str, problems: list[str]) -> dict:
    """A figure: bilingual label, a value (number or short text), an optional bilingual unit, kind and year."""
    if not isinstance(figure, dict):
        problems.append(f"{where}: must be a mapping")
        return {}
    out = {}
    for key in ("label_en", "label_fr", "unit", "unit_fr", "kind"):
        if figure.get(key) is not None:
            out[key] = _text(figure[key], f"{where}.{key}", problems, limit=500)
    for key in ("unit", "unit_fr"):
        if "{" in out.get(key, "").replace("{value}", "") or "}" in out.get(key, "").replace("{value}", ""):
            problems.append(f"{where}.{key}: only {{value}} may stand in braces")
    value = figure.get("value")
    if isinstance(value, bool) or not (value is None or isinstance(value, (int, float, str))):
        problems.append(f"{where}.value: must be a number or text")
    else:
        out["value"] = _text(value, f"{where}.value", problems, limit=100) if isinstance(value, str) else value
    if figure.get("year") is not None:
        if isinstance(figure["year"], int) and not isinstance(figure["year"], bool):
            out["year"] = figure["year"]
        else:
            problems.append(f"{where}.year: must be a whole number")
    return out
