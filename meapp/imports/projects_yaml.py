"""Reading a projects file (`flask projects import`, the demo's own `demo_projects.yaml`) into plain data.

Pure: no Flask, no database. Every problem names its path in the file ("projects[2].logframe.levels[0]
.indicators[1].unit"); unknown keys are problems too, so a misspelt key is never silently ignored. The
logframe of each project becomes a `LogframeSpec` whose items carry those paths, so that the logframe
service's own problems come back with them.

The schema (`format: meapp-projects/1`):

    organisations: [{name, name_fr?, acronym?, kind?, country?, parent?}]   # parent: another's name
    sectors: [{key, name_en, name_fr}]
    projects:
      - code, title_en, title_fr, summary_en?, summary_fr?, lead, implementers?: [names], funders?: [names],
        countries_origin?: [ISO 3166], countries_destination?: [...], start_date, end_date,
        reporting_frequency?: quarterly, currency?: EUR, sectors?: [keys], gcm_objectives?: [numbers],
        sdg_targets?: ["4.4"], status?: active, demo?: false,
        logframe:
          levels:   # nested: impact → outcome → output → activity
            - {code, level, statement_en, statement_fr, indicators: [...], children: [...]}
          rules: [{code, left, operator, right, severity?, missing?, message_en, message_fr, active?}]
    indicator: {code, name_en, name_fr, definition_en?, definition_fr?, unit?, currency?, aggregation?,
                direction?, cumulative?, baseline?, baseline_date?, target?, min?, max?, decimals?,
                required?, key?, mov_en?, mov_fr?, disaggregations?: [keys], retired?,
                targets?: {period: value} or [{period, combination?, value}], source_fact?: text}
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml

from meapp.core.messages import N_
from meapp.core.problems import Problem
from meapp.logframes.spec import IndicatorSpec, LevelSpec, LogframeSpec, RuleSpec, TargetSpec

FORMAT = "meapp-projects/1"
MAX_ITEMS = 5000  # of any one list: a file is a programme, not a data dump

ORGANISATION_KEYS = {"name", "name_fr", "acronym", "kind", "country", "parent"}
SECTOR_KEYS = {"key", "name_en", "name_fr"}
PROJECT_KEYS = {"code", "title_en", "title_fr", "summary_en", "summary_fr", "lead", "implementers", "funders",
                "countries_origin", "countries_destination", "start_date", "end_date", "reporting_frequency",
                "currency", "sectors", "gcm_objectives", "sdg_targets", "status", "demo", "logframe"}
LEVEL_KEYS = {"code", "level", "statement_en", "statement_fr", "indicators", "children"}
RULE_KEYS = {"code", "left", "operator", "right", "severity", "missing", "message_en", "message_fr", "active"}
# file key → IndicatorSpec field
INDICATOR_FIELDS = {
    "code": "code", "name_en": "name_en", "name_fr": "name_fr", "definition_en": "definition_en",
    "definition_fr": "definition_fr", "unit": "unit", "currency": "currency", "aggregation": "aggregation",
    "direction": "direction", "cumulative": "is_cumulative", "baseline": "baseline_value",
    "baseline_date": "baseline_date", "target": "target_value", "min": "min_value", "max": "max_value",
    "decimals": "decimals", "required": "is_required", "key": "is_key", "mov_en": "means_of_verification_en",
    "mov_fr": "means_of_verification_fr", "disaggregations": "disaggregations", "retired": "retired",
}
INDICATOR_KEYS = set(INDICATOR_FIELDS) | {"targets", "source_fact"}
NUMBER_FIELDS = {"baseline_value", "target_value", "min_value", "max_value"}
FLAG_FIELDS = {"is_cumulative", "is_required", "is_key", "retired"}


@dataclass(frozen=True)
class OrganisationEntry:
    name: str
    where: str
    name_fr: str = ""
    acronym: str | None = None
    kind: str = "other"
    country: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class SectorEntry:
    key: str
    name_en: str
    name_fr: str
    where: str


@dataclass(frozen=True)
class ProjectEntry:
    code: str
    where: str
    title_en: str = ""
    title_fr: str = ""
    summary_en: str = ""
    summary_fr: str = ""
    lead: str | None = None
    implementers: tuple[str, ...] = ()
    funders: tuple[str, ...] = ()
    countries_origin: tuple[str, ...] = ()
    countries_destination: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    reporting_frequency: str = "quarterly"
    currency: str = "EUR"
    sectors: tuple[str, ...] = ()
    gcm_objectives: tuple[int, ...] = ()
    sdg_targets: tuple[str, ...] = ()
    status: str = "active"
    demo: bool = False
    logframe: LogframeSpec | None = None  # None: the file says nothing of the logframe (it is left as it is)


@dataclass(frozen=True)
class ProjectsFile:
    organisations: tuple[OrganisationEntry, ...] = ()
    sectors: tuple[SectorEntry, ...] = ()
    projects: tuple[ProjectEntry, ...] = ()


@dataclass
class _Reader:
    problems: list[Problem] = field(default_factory=list)

    def problem(self, where: str, message_id: str, **params) -> None:
        self.problems.append(Problem(where, message_id, params))

    def mapping(self, value, where: str, keys: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.problem(where, N_("Expected a mapping of keys and values."))
            return None
        for key in value:
            if key not in keys:
                self.problem(f"{where}.{key}", N_("Unknown key “%(key)s”."), key=str(key))
        return value

    def items(self, value, where: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(where, N_("Expected a list."))
            return []
        if len(value) > MAX_ITEMS:
            self.problem(where, N_("Too many items (%(count)s; at most %(limit)s)."), count=len(value),
                         limit=MAX_ITEMS)
            return []
        return value

    def text(self, data: dict, key: str, where: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.problem(f"{where}.{key}", N_("This is required."))
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(f"{where}.{key}", N_("Expected text."))
            return ""
        return str(value).strip()

    def optional_text(self, data: dict, key: str, where: str) -> str | None:
        return self.text(data, key, where) or None

    def texts(self, data: dict, key: str, where: str) -> tuple[str, ...]:
        out = []
        for index, item in enumerate(self.items(data.get(key), f"{where}.{key}")):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or str(item).strip() == "":
                self.problem(f"{where}.{key}[{index}]", N_("Expected text."))
                continue
            out.append(str(item).strip())
        return tuple(out)

    def integers(self, data: dict, key: str, where: str) -> tuple[int, ...]:
        out = []
        for index, item in enumerate(self.items(data.get(key), f"{where}.{key}")):
            if isinstance(item, bool) or not isinstance(item, int):
                self.problem(f"{where}.{key}[{index}]", N_("Expected a whole number."))
                continue
            out.append(item)
        return tuple(out)

    def date(self, data: dict, key: str, where: str) -> dt.date | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.problem(f"{where}.{key}", N_("“%(value)s” is not a date (YYYY-MM-DD)."), value=str(value)[:40])
            return None

    def flag(self, data: dict, key: str, where: str, default: bool) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(f"{where}.{key}", N_("Expected true or false."))
            return default
        return value

    def number(self, value, where: str) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.problem(where, N_("Expected a number."))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.problem(where, N_("“%(value)s” is not a number."), value=str(value)[:40])
            return None
        if not number.is_finite():
            self.problem(where, N_("“%(value)s” is not a number."), value=str(value)[:40])
            return None
        return normalised(number)


def normalised(number: Decimal) -> Decimal:
    """50.0000 → 50, 1.50 → 1.5: one spelling of each number, so that comparing specs compares values."""
    number = number.normalize()
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number


class _TextDatesLoader(yaml.SafeLoader):
    """YAML's safe loader, but a date stays text: the reader checks it and names its place (PyYAML would raise
    on 2024-13-01 while building the document, with no path)."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def parse_projects_file(text: str) -> tuple[ProjectsFile | None, list[Problem]]:
    """The file's content as plain data, or None and every problem found."""
    reader = _Reader()
    try:
        data = yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reader.problem(where, N_("This is not valid YAML: %(reason)s."), reason=str(getattr(exc, "problem", exc)))
        return None, reader.problems
    data = reader.mapping(data, "", {"format", "organisations", "sectors", "projects"})
    if data is None:
        return None, reader.problems
    if data.get("format", FORMAT) != FORMAT:
        reader.problem("format", N_("Unknown format “%(format)s”: expected “%(expected)s”."),
                       format=str(data.get("format"))[:40], expected=FORMAT)
    parsed = ProjectsFile(
        organisations=tuple(_organisations(reader, data)),
        sectors=tuple(_sectors(reader, data)),
        projects=tuple(_projects(reader, data)),
    )
    _unique(reader, [(o.name.casefold(), o.where) for o in parsed.organisations], "name")
    _unique(reader, [(s.key, s.where) for s in parsed.sectors], "key")
    _unique(reader, [(p.code.casefold(), p.where) for p in parsed.projects], "code")
    return (None if reader.problems else parsed), reader.problems


def _unique(reader: _Reader, keys: list[tuple[str, str]], name: str) -> None:
    seen: dict[str, str] = {}
    for key, where in keys:
        if key and key in seen:
            reader.problem(f"{where}.{name}", N_("Already given at %(first)s."), first=seen[key])
        seen.setdefault(key, where)


def _organisations(reader: _Reader, data: dict):
    for index, item in enumerate(reader.items(data.get("organisations"), "organisations")):
        where = f"organisations[{index}]"
        item = reader.mapping(item, where, ORGANISATION_KEYS)
        if item is None:
            continue
        yield OrganisationEntry(
            name=reader.text(item, "name", where, required=True), where=where,
            name_fr=reader.text(item, "name_fr", where), acronym=reader.optional_text(item, "acronym", where),
            kind=reader.text(item, "kind", where) or "other", country=reader.optional_text(item, "country", where),
            parent=reader.optional_text(item, "parent", where))


def _sectors(reader: _Reader, data: dict):
    for index, item in enumerate(reader.items(data.get("sectors"), "sectors")):
        where = f"sectors[{index}]"
        item = reader.mapping(item, where, SECTOR_KEYS)
        if item is None:
            continue
        yield SectorEntry(key=reader.text(item, "key", where, required=True),
                          name_en=reader.text(item, "name_en", where, required=True),
                          name_fr=reader.text(item, "name_fr", where, required=True), where=where)


def _projects(reader: _Reader, data: dict):
    for index, item in enumerate(reader.items(data.get("projects"), "projects")):
        where = f"projects[{index}]"
        item = reader.mapping(item, where, PROJECT_KEYS)
        if item is None:
            continue
        logframe = None
        if item.get("logframe") is not None:
            logframe = _logframe(reader, item["logframe"], f"{where}.logframe")
        yield ProjectEntry(
            code=reader.text(item, "code", where, required=True), where=where,
            title_en=reader.text(item, "title_en", where), title_fr=reader.text(item, "title_fr", where),
            summary_en=reader.text(item, "summary_en", where), summary_fr=reader.text(item, "summary_fr", where),
            lead=reader.optional_text(item, "lead", where),
            implementers=reader.texts(item, "implementers", where), funders=reader.texts(item, "funders", where),
            countries_origin=reader.texts(item, "countries_origin", where),
            countries_destination=reader.texts(item, "countries_destination", where),
            start_date=reader.date(item, "start_date", where), end_date=reader.date(item, "end_date", where),
            reporting_frequency=reader.text(item, "reporting_frequency", where) or "quarterly",
            currency=reader.text(item, "currency", where) or "EUR",
            sectors=reader.texts(item, "sectors", where),
            gcm_objectives=reader.integers(item, "gcm_objectives", where),
            sdg_targets=reader.texts(item, "sdg_targets", where),
            status=reader.text(item, "status", where) or "active",
            demo=reader.flag(item, "demo", where, False),
            logframe=logframe)


def _logframe(reader: _Reader, value, where: str) -> LogframeSpec:
    data = reader.mapping(value, where, {"levels", "rules"}) or {}
    levels: list[LevelSpec] = []
    indicators: list[IndicatorSpec] = []
    targets: list[TargetSpec] = []

    def level(item, path: str, parent: str | None) -> None:
        item = reader.mapping(item, path, LEVEL_KEYS)
        if item is None:
            return
        code = reader.text(item, "code", path, required=True)
        levels.append(LevelSpec(code=code, kind=reader.text(item, "level", path, required=True),
                                statement_en=reader.text(item, "statement_en", path),
                                statement_fr=reader.text(item, "statement_fr", path), parent=parent,
                                where=_places(path, {"code": "code", "kind": "level", "parent": "code",
                                                     "statement_en": "statement_en", "statement_fr": "statement_fr"})))
        for k, ind in enumerate(reader.items(item.get("indicators"), f"{path}.indicators")):
            _indicator(reader, ind, f"{path}.indicators[{k}]", code, indicators, targets)
        for k, child in enumerate(reader.items(item.get("children"), f"{path}.children")):
            level(child, f"{path}.children[{k}]", code)

    for index, item in enumerate(reader.items(data.get("levels"), f"{where}.levels")):
        level(item, f"{where}.levels[{index}]", None)
    rules = [rule for index, item in enumerate(reader.items(data.get("rules"), f"{where}.rules"))
             if (rule := _rule(reader, item, f"{where}.rules[{index}]")) is not None]
    return LogframeSpec(levels=tuple(levels), indicators=tuple(indicators), targets=tuple(targets), rules=tuple(rules))


def _places(path: str, keys: dict[str, str]) -> dict[str, str]:
    """Spec field → where its value sits in the file; "" → the item itself."""
    return {"": path, **{name: f"{path}.{key}" for name, key in keys.items()}}


def _indicator(reader: _Reader, value, path: str, level: str, indicators: list, targets: list) -> None:
    item = reader.mapping(value, path, INDICATOR_KEYS)
    if item is None:
        return
    values: dict = {"level": level}
    for key, name in INDICATOR_FIELDS.items():
        if key not in item:
            continue
        if name in NUMBER_FIELDS:
            values[name] = reader.number(item[key], f"{path}.{key}")
        elif name in FLAG_FIELDS:
            values[name] = reader.flag(item, key, path, False)
        elif name == "decimals":
            if isinstance(item[key], bool) or not isinstance(item[key], int):
                reader.problem(f"{path}.{key}", N_("Expected a whole number."))
            else:
                values[name] = item[key]
        elif name == "baseline_date":
            values[name] = reader.date(item, key, path)
        elif name == "disaggregations":
            values[name] = reader.texts(item, key, path)
        elif name == "currency":
            values[name] = reader.optional_text(item, key, path)
        else:
            values[name] = reader.text(item, key, path)
    values.setdefault("code", "")
    if not values["code"]:
        reader.problem(f"{path}.code", N_("This is required."))
    indicator = IndicatorSpec(**values, where=_places(path, {name: key for key, name in INDICATOR_FIELDS.items()}
                                                      | {"level": "code"}))
    indicators.append(indicator)
    raw = item.get("targets")
    if raw is None:
        return
    if isinstance(raw, dict):
        entries = [({"period": period, "value": amount}, f"{path}.targets.{period}") for period, amount in raw.items()]
    else:
        entries = [(entry, f"{path}.targets[{k}]") for k, entry in enumerate(reader.items(raw, f"{path}.targets"))]
    for entry, where in entries:
        entry = reader.mapping(entry, where, {"period", "combination", "value"})
        if entry is None:
            continue
        period = reader.text(entry, "period", where, required=True)
        value_where = where if isinstance(raw, dict) else f"{where}.value"
        if entry.get("value") is None:
            reader.problem(value_where, N_("This is required."))
            continue
        amount = reader.number(entry.get("value"), value_where)
        if amount is None:
            continue
        targets.append(TargetSpec(indicator=indicator.code, period=period, value=amount,
                                  combination=reader.text(entry, "combination", where),
                                  where={"": where, "period": where, "value": value_where, "combination": where}))


def _rule(reader: _Reader, value, path: str) -> RuleSpec | None:
    item = reader.mapping(value, path, RULE_KEYS)
    if item is None:
        return None
    return RuleSpec(code=reader.text(item, "code", path, required=True),
                    left=reader.text(item, "left", path, required=True),
                    operator=reader.text(item, "operator", path, required=True),
                    right=reader.text(item, "right", path, required=True),
                    severity=reader.text(item, "severity", path) or "error",
                    missing_value_strategy=reader.text(item, "missing", path) or "skip_if_any",
                    message_en=reader.text(item, "message_en", path), message_fr=reader.text(item, "message_fr", path),
                    is_active=reader.flag(item, "active", path, True),
                    where=_places(path, {"code": "code", "left": "left", "operator": "operator", "right": "right",
                                         "severity": "severity", "missing_value_strategy": "missing",
                                         "message_en": "message_en", "message_fr": "message_fr",
                                         "is_active": "active"}))


# Writing a projects file (`flask projects export`): the same schema, keys in the order above, empty
# optional keys left out, so that export → import changes nothing and export → edit → import is easy.

class _FlowList(list):
    pass


class _FlowMap(dict):
    pass


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:
        return True


_Dumper.add_representer(_FlowList, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data,
                                                                        flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data,
                                                                      flow_style=True))
_Dumper.add_representer(Decimal, lambda d, data: d.represent_scalar(
    "tag:yaml.org,2002:int" if data == data.to_integral_value() else "tag:yaml.org,2002:float",
    str(data.quantize(Decimal(1)) if data == data.to_integral_value() else data)))


def _drop_empty(item: dict, keep: tuple[str, ...] = ()) -> dict:
    return {k: v for k, v in item.items() if k in keep or v not in (None, "", (), [], _FlowList())}


def _indicator_item(spec: IndicatorSpec, targets: list[TargetSpec]) -> dict:
    item = {key: getattr(spec, name) for key, name in INDICATOR_FIELDS.items()}
    item["disaggregations"] = _FlowList(spec.disaggregations)
    item["retired"] = spec.retired or None
    if targets:
        if all(t.combination == "" for t in targets):
            item["targets"] = _FlowMap((t.period, t.value) for t in targets)
        else:
            item["targets"] = [_drop_empty({"period": t.period, "combination": t.combination, "value": t.value})
                               for t in targets]
    return _drop_empty(item, keep=("code", "unit", "aggregation", "direction", "cumulative", "decimals",
                                   "required", "key", "disaggregations"))


def _logframe_item(spec: LogframeSpec) -> dict:
    targets: dict[str, list[TargetSpec]] = {}
    for target in spec.targets:
        targets.setdefault(target.indicator, []).append(target)
    indicators: dict[str, list[dict]] = {}
    for indicator in spec.indicators:
        indicators.setdefault(indicator.level, []).append(_indicator_item(indicator, targets.get(indicator.code, [])))
    children: dict[str | None, list[LevelSpec]] = {}
    for level in spec.levels:
        children.setdefault(level.parent, []).append(level)

    def level_item(level: LevelSpec) -> dict:
        item = {"code": level.code, "level": level.kind, "statement_en": level.statement_en,
                "statement_fr": level.statement_fr, "indicators": indicators.get(level.code, [])}
        if children.get(level.code):
            item["children"] = [level_item(child) for child in children[level.code]]
        return item

    rules = [_drop_empty({"code": r.code, "left": r.left, "operator": r.operator, "right": r.right,
                          "severity": r.severity, "missing": r.missing_value_strategy, "message_en": r.message_en,
                          "message_fr": r.message_fr, "active": None if r.is_active else False})
             for r in spec.rules]
    return {"levels": [level_item(level) for level in children.get(None, [])], "rules": rules}


def dump_projects_file(parsed: ProjectsFile) -> str:
    """The file's text (YAML, UTF-8 characters kept), readable back by `parse_projects_file`."""
    document = {
        "format": FORMAT,
        "organisations": [_drop_empty({"name": o.name, "name_fr": o.name_fr, "acronym": o.acronym, "kind": o.kind,
                                       "country": o.country, "parent": o.parent}) for o in parsed.organisations],
        "sectors": [{"key": s.key, "name_en": s.name_en, "name_fr": s.name_fr} for s in parsed.sectors],
        "projects": [],
    }
    for p in parsed.projects:
        item = _drop_empty({
            "code": p.code, "title_en": p.title_en, "title_fr": p.title_fr, "summary_en": p.summary_en,
            "summary_fr": p.summary_fr, "lead": p.lead, "implementers": _FlowList(p.implementers),
            "funders": _FlowList(p.funders), "countries_origin": _FlowList(p.countries_origin),
            "countries_destination": _FlowList(p.countries_destination), "start_date": p.start_date,
            "end_date": p.end_date, "reporting_frequency": p.reporting_frequency, "currency": p.currency,
            "sectors": _FlowList(p.sectors), "gcm_objectives": _FlowList(p.gcm_objectives),
            "sdg_targets": _FlowList(p.sdg_targets), "status": p.status, "demo": p.demo or None,
        })
        if p.logframe is not None:
            item["logframe"] = _logframe_item(p.logframe)
        document["projects"].append(item)
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120,
                     default_flow_style=False)
