"""The logframe workbook (meapp.imports.logframe_workbook): write → read is the identity, in French and English, and
every problem of a damaged or hostile file names its sheet and cell (or the file), with nothing read from it.

`logframes()` draws random logframes that the logframe service accepts; tests/app/test_logframe_import.py uses it
for the round trip through the database.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import zipfile
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from meapp.core.periods import periods_between
from meapp.core.problems import Problem
from meapp.imports import logframe_workbook as wb
from meapp.imports import upload
from meapp.imports.logframe_workbook import DisaggregationChoice, read_logframe, write_logframe
from meapp.logframes.spec import (
    AGGREGATIONS,
    DIRECTIONS,
    LEVEL_KINDS,
    MISSING_VALUE_STRATEGIES,
    OPERATORS,
    SEVERITIES,
    IndicatorSpec,
    LevelSpec,
    LogframeSpec,
    RuleSpec,
    TargetSpec,
    plain,
)
from meapp.reports.i18n import Lang
from tests.unit.test_safezip import bomb, craft, part

# The shared library as the reference seed has it (countries left out: their categories are the project's).
CHOICES = (
    DisaggregationChoice("sex", "Sex", "Sexe", ("F", "M")),
    DisaggregationChoice("age_group", "Age group", "Tranche d'âge", ("15-24", "25-34", "35-54", "55+")),
    DisaggregationChoice("skill_level", "Skill level (ISCED 2011)", "Niveau de compétence (CITE 2011)",
                         ("low", "medium", "high")),
)
PERIODS = tuple(p.code for p in periods_between(dt.date(2021, 1, 1), dt.date(2022, 12, 31)))
LIMIT = Decimal("999999999999.9999")  # the largest baseline or target the service takes: 16 digits

# --- random logframes -------------------------------------------------------------------------------------------
_ODD = st.sampled_from(["=SUM(A1:A3)", "=1+1", "+33 1 23 45 67", "-5", "@home", "'quoted'", '"double"',
                        "line one\nline two", "l'été « là »", "Ça coûte 5 €", "=", "-", "TRUE", "12.50", "1e5",
                        "#N/A", "a\r\nb", "tab\tinside"])
_PLAIN = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"), blacklist_characters="_"),
                 max_size=24).map(str.strip)
TEXT = st.one_of(_PLAIN, _ODD, _PLAIN.map(lambda s: ("=" + s).strip()), _PLAIN.map(lambda s: ("+" + s).strip()),
                 _PLAIN.map(lambda s: ("@" + s).strip()))
LEVEL_CODE = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,7}", fullmatch=True)
INDICATOR_CODE = st.from_regex(r"[A-Z][A-Z0-9_]{0,9}", fullmatch=True)


@st.composite
def bilingual(draw, optional: bool = False) -> tuple[str, str]:
    """English and French text; French (or English) sometimes empty, never both unless `optional`."""
    en, fr = draw(TEXT), draw(st.one_of(st.just(""), TEXT))
    if not (en or fr or optional):
        en = "Statement"
    return en, fr


@st.composite
def amount(draw, unit: str, decimals: int, low: Decimal | None = None, high: Decimal | None = None):
    """A number the indicator takes: its unit's range, within [low, high], at most `decimals` decimals."""
    if unit == "yes_no":
        return Decimal(draw(st.sampled_from([0, 1])))
    lo = Decimal(0) if unit == "percent" else -LIMIT
    hi = Decimal(100) if unit == "percent" else LIMIT
    lo, hi = max(lo, low) if low is not None else lo, min(hi, high) if high is not None else hi
    scale = Decimal(10) ** decimals  # values are whole numbers of 10^-decimals
    first, last = math.ceil(lo * scale), math.floor(hi * scale)
    special = [k for k in (0, first, last, 1, int(scale) // 10, 12345678901) if first <= k <= last]
    units = draw(st.one_of(st.integers(first, last), st.sampled_from(special)))
    return plain(Decimal(units) / scale)


@st.composite
def logframes(draw, choices=CHOICES, periods=PERIODS, max_levels=5, max_indicators=6, max_rules=3):
    """A logframe the logframe service accepts: a tree of levels, indicators of every unit, aggregation and
    disaggregation, numbers within their units and ranges, targets per period and category, rules."""
    codes = draw(st.lists(LEVEL_CODE, min_size=1, max_size=max_levels, unique=True))
    levels: list[LevelSpec] = []
    for code in codes:
        parents = [item for item in levels if item.kind != "activity"]
        parent = draw(st.one_of(st.none(), st.sampled_from(parents))) if parents else None
        kinds = LEVEL_KINDS[LEVEL_KINDS.index(parent.kind) + 1:] if parent else LEVEL_KINDS
        en, fr = draw(bilingual())
        levels.append(LevelSpec(code, draw(st.sampled_from(kinds)), en, fr, parent.code if parent else None))
    indicators: list[IndicatorSpec] = []
    targets: list[TargetSpec] = []
    for code in draw(st.lists(INDICATOR_CODE, max_size=max_indicators, unique=True)):
        unit = draw(st.sampled_from(["number", "percent", "currency", "yes_no", "text"]))
        decimals = draw(st.integers(0, 4))
        numbers = {"baseline_value": None, "target_value": None, "min_value": None, "max_value": None}
        if unit in ("number", "percent", "currency"):
            low = draw(st.one_of(st.none(), amount(unit, decimals)))
            high = draw(st.one_of(st.none(), amount(unit, decimals, low)))
            numbers.update(min_value=low, max_value=high)
        if unit != "text":
            numbers["baseline_value"] = draw(st.one_of(st.none(), amount(unit, decimals, numbers["min_value"],
                                                                          numbers["max_value"])))
            numbers["target_value"] = draw(st.one_of(st.none(), amount(unit, decimals, numbers["min_value"],
                                                                        numbers["max_value"])))
        name_en, name_fr = draw(bilingual())
        definition_en, definition_fr = draw(bilingual(optional=True))
        mov_en, mov_fr = draw(bilingual(optional=True))
        split = tuple(c.key for c in choices if draw(st.booleans()))
        indicator = IndicatorSpec(
            code=code, level=draw(st.sampled_from(codes)), name_en=name_en, name_fr=name_fr,
            definition_en=definition_en, definition_fr=definition_fr, unit=unit,
            currency=draw(st.sampled_from(["EUR", "USD", "XOF", "MAD"])) if unit == "currency" else None,
            aggregation=draw(st.sampled_from(AGGREGATIONS)), direction=draw(st.sampled_from(DIRECTIONS)),
            is_cumulative=draw(st.booleans()),
            baseline_date=draw(st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)))),
            decimals=decimals, is_required=draw(st.booleans()), is_key=draw(st.booleans()),
            means_of_verification_en=mov_en, means_of_verification_fr=mov_fr, disaggregations=split,
            retired=draw(st.booleans()), **numbers)
        indicators.append(indicator)
        if unit == "text" or not periods:
            continue
        combinations = [""] + [f"{c.key}={category}" for c in choices if c.key in split for category in c.categories]
        cells = draw(st.lists(st.tuples(st.sampled_from(periods), st.sampled_from(combinations)), max_size=5,
                              unique=True))
        for period, combination in sorted(cells):
            value = draw(amount(unit, decimals, numbers["min_value"], numbers["max_value"]))
            targets.append(TargetSpec(code, period, value, combination))
    rules: list[RuleSpec] = []
    names = [i.code for i in indicators]
    side = st.sampled_from(names) if names else st.sampled_from(["1", "2.5"])
    expression = st.one_of(side, st.builds(lambda a, b: f"{a} + {b}", side, side), st.just("100"))
    for code in draw(st.lists(st.from_regex(r"R[0-9]{1,3}", fullmatch=True), max_size=max_rules, unique=True)):
        message_en, message_fr = draw(bilingual())
        rules.append(RuleSpec(code, draw(expression), draw(st.sampled_from(OPERATORS)), draw(expression),
                              draw(st.sampled_from(SEVERITIES)), draw(st.sampled_from(MISSING_VALUE_STRATEGIES)),
                              message_en, message_fr, draw(st.booleans())))
    return LogframeSpec(levels=tuple(levels), indicators=tuple(indicators), targets=tuple(targets),
                        rules=tuple(rules))


def export(spec: LogframeSpec, lang: str = "en", **options) -> bytes:
    return write_logframe(spec, project_code="TESTPRJ", project_title="Test project", lang=lang, periods=PERIODS,
                          disaggregation_choices=CHOICES, logframe_version=7, **options)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


# --- the round trip -------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=logframes(), lang=st.sampled_from(["en", "fr"]))
@example(spec=LogframeSpec(levels=(LevelSpec("1", "impact", "=A1+1", ""),),
                           indicators=(IndicatorSpec("BIG", "1", "+big", "@grand", unit="number", decimals=4,
                                                     target_value=LIMIT, baseline_value=-LIMIT),),
                           targets=(TargetSpec("BIG", "2021Q1", LIMIT),)), lang="fr")
def test_write_then_read_gives_the_same_logframe(spec, lang):
    data = export(spec, lang)
    read, problems, metadata = read_logframe(data)
    assert errors(problems) == []
    assert read == spec
    assert metadata["project"] == "TESTPRJ" and metadata["lang"] == lang and metadata["logframe_version"] == 7
    # Every field of every item says where it came from.
    for item in read.levels + read.indicators + read.rules:
        fields = {f for f in item.__dataclass_fields__ if f != "where"}
        assert fields <= set(item.where) and item.where[""] == item.where["code"]
    for target in read.targets:
        assert {"", "value", "period", "indicator", "combination"} <= set(target.where)


def test_cells_are_where_the_spec_says():
    spec = LogframeSpec(levels=(LevelSpec("1", "impact", "Lives", "Vies"), LevelSpec("1.1", "outcome", "Jobs", "",
                                                                                     parent="1")),
                        indicators=(IndicatorSpec("EMP", "1.1", "Employed", unit="percent", decimals=1,
                                                  disaggregations=("sex", "skill_level")),),
                        targets=(TargetSpec("EMP", "2021Q2", Decimal("12.5")),
                                 TargetSpec("EMP", "2021Q2", Decimal(3), "sex=F")),
                        rules=(RuleSpec("R1", "EMP", "<=", "100", message_en="At most 100"),))
    read, _problems, _meta = read_logframe(export(spec))
    book = openpyxl.load_workbook(io.BytesIO(export(spec)))

    def at(where: str):
        sheet, cell = where.split("!")
        return book[sheet.strip("'")][cell].value

    level = read.levels[1]
    assert level.where["parent"] == "Levels!C3" and at(level.where["parent"]) == "1"
    indicator = read.indicators[0]
    assert at(indicator.where["unit"]) == "Percent" and at(indicator.where["decimals"]) == 1
    assert indicator.where["disaggregations"] == "Indicators!W2:Y2"
    assert at(indicator.where["disaggregations.skill_level"]) == "Yes"
    total, female = read.targets
    assert at(total.where["value"]) == 12.5 and at(total.where["period"]) == "Q2 2021"
    assert at(female.where["combination"]) == "sex=F" and female.where["indicator"] == "Targets!A3"
    assert at(read.rules[0].where["operator"]) == "at most (≤)"


def test_text_is_written_as_text_and_numbers_as_numbers():
    spec = LogframeSpec(levels=(LevelSpec("=1", "impact", "=SUM(A1:A9)", "+33"),),
                        indicators=(IndicatorSpec("N", "=1", "@x", decimals=2, baseline_value=Decimal("1234.5"),
                                                  target_value=LIMIT),))
    book = openpyxl.load_workbook(io.BytesIO(export(spec)))
    levels = book["Levels"]
    assert [levels.cell(2, c).data_type for c in (1, 4, 5)] == ["s", "s", "s"]
    assert levels["D2"].value == "=SUM(A1:A9)"
    indicators = book["Indicators"]
    assert indicators["L2"].data_type == "n" and indicators["L2"].value == 1234.5
    assert indicators["L2"].number_format == "#,##0.00"
    # Sixteen digits: more than a spreadsheet holds exactly, written as text and read back to the digit.
    assert indicators["N2"].data_type == "s" and indicators["N2"].value == "999999999999.9999"


def test_sheets_have_frozen_bold_headers_lists_and_a_hidden_metadata_sheet():
    data = export(LogframeSpec(levels=(LevelSpec("1", "impact", "Lives"),)), "fr")
    book = openpyxl.load_workbook(io.BytesIO(data))
    t = Lang("fr")
    assert book.sheetnames == [t._("Instructions"), t._("Levels"), t._("Indicators"), t._("Targets"),
                               t._("Rules"), "meapp"]
    assert book["meapp"].sheet_state == "hidden"
    levels = book[t._("Levels")]
    assert levels.freeze_panes == "B2" and levels["A1"].font.b
    assert levels["B2"].value == "Impact" and levels["B1"].value == t._("Kind of result")
    validations = {str(v.sqref): v for v in levels.data_validations.dataValidation}
    assert validations["B2:B5001"].type == "list" and "meapp" in validations["B2:B5001"].formula1
    indicators = book[t._("Indicators")]
    listed = {str(v.sqref).split(":")[0] for v in indicators.data_validations.dataValidation}
    # unit, aggregation, direction, the yes/no columns and each disaggregation: drop-down lists
    assert {"G2", "I2", "J2", "K2", "R2", "S2", "V2", "W2", "X2", "Y2", "B2", "Q2"} <= listed
    widths = [indicators.column_dimensions[letter].width for letter in "ACG"]
    assert all(8 <= w <= 45 for w in widths)


def test_labels_are_never_ambiguous():
    """Each list label, in either language, reads back to one value only."""
    for options in (wb.KINDS, wb.UNITS, wb.AGGREGATIONS, wb.DIRECTIONS, wb.SEVERITIES, wb.MISSING, wb.OPERATORS,
                    wb.YES_NO):
        seen: dict[str, object] = {}
        for key, msgid in options:
            for lang in ("en", "fr"):
                label = upload.normalised(Lang(lang)._(msgid))
                assert seen.setdefault(label, key) == key, (label, key, seen[label])
    for sheet in wb.COLUMNS:
        seen = {}
        for column in wb.COLUMNS[sheet]:
            for lang in ("en", "fr"):
                label = upload.normalised(Lang(lang)._(column.header))
                assert seen.setdefault(label, column.field) == column.field


def test_labels_of_either_language_and_keys_are_read():
    data = export(LogframeSpec(levels=(LevelSpec("1", "impact", "Lives"), LevelSpec("2", "outcome", "Jobs",
                                                                                     parent="1")),
                               indicators=(IndicatorSpec("N", "2", "n"),)), "fr")
    book = openpyxl.load_workbook(io.BytesIO(data))
    t = Lang("fr")
    book[t._("Levels")]["B3"] = "Outcome"  # English in a French workbook
    sheet = book[t._("Indicators")]
    sheet["G2"] = "percent"  # the key itself
    sheet["R2"] = "non"
    sheet["S2"] = True  # Excel's TRUE
    sheet["Q2"] = "2"
    out = io.BytesIO()
    book.save(out)
    read, problems, _meta = read_logframe(out.getvalue())
    assert errors(problems) == []
    indicator = read.indicators[0]
    assert read.levels[1].kind == "outcome" and indicator.unit == "percent" and indicator.decimals == 2
    assert indicator.is_required is False and indicator.is_key is True


# --- damaged workbooks: every problem names its cell --------------------------------------------------------------
BASE = LogframeSpec(
    levels=(LevelSpec("1", "impact", "Lives", "Vies"), LevelSpec("1.1", "outcome", "Jobs", "Emplois", "1")),
    indicators=(IndicatorSpec("EMP", "1.1", "Employed", "Employés", "People at work", "", "number", None, "sum",
                              "increase", False, Decimal(3), dt.date(2020, 12, 31), Decimal(40), Decimal(0),
                              Decimal(500), 0, True, False, "Payroll", "Registre", ("sex",), False),),
    targets=(TargetSpec("EMP", "2021Q1", Decimal(10)), TargetSpec("EMP", "2021Q1", Decimal(4), "sex=F")),
    rules=(RuleSpec("R1", "EMP", "<=", "500", "error", "skip_if_any", "Too many", "Trop", True),),
)
DAMAGE = {"choice": "bogus", "flag": "maybe", "number": "abc", "whole": "2.5", "date": "soon"}


@functools.cache
def _base(lang: str) -> bytes:
    return export(BASE, lang)


def _damaged(changes: dict[tuple[str, str], object], lang: str = "en") -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(_base(lang)))
    for (sheet, cell), value in changes.items():
        book[Lang(lang)._(wb.SHEETS[sheet])][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cases():
    for sheet in ("levels", "indicators", "rules"):
        for index, column in enumerate(wb.COLUMNS[sheet]):
            letter = wb._column_letter(index)
            yield sheet, letter, "=1+1", upload.FORMULA
            if column.kind in DAMAGE:
                yield sheet, letter, DAMAGE[column.kind], None
            elif column.required:
                yield sheet, letter, None, upload.REQUIRED
    yield "indicators", "W", "maybe", None  # the disaggregation "sex"
    for letter, value, message in (("A", "=A9", upload.FORMULA), ("C", "=B2", upload.FORMULA),
                                   ("D", "ten", upload.NOT_A_NUMBER), ("E", "=2*2", upload.FORMULA)):
        yield "targets", letter, value, message


@pytest.mark.parametrize("sheet, letter, value, message", list(_cases()),
                         ids=[f"{s}-{c}-{v}" for s, c, v, _m in _cases()])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_damaged_cell_is_named(sheet, letter, value, message, lang):
    read, problems, _meta = read_logframe(_damaged({(sheet, f"{letter}2"): value}, lang))
    where = f"{upload.sheet_ref(Lang(lang)._(wb.SHEETS[sheet]))}!{letter}2"
    assert read is None
    assert [p.where for p in errors(problems)] == [where], problems
    if message is not None:
        assert problems[0].message_id == message


def test_a_missing_or_unknown_heading_names_the_sheet_and_the_column():
    read, problems, _meta = read_logframe(_damaged({("indicators", "G1"): "Units", ("rules", "J1"): "Notes"}))
    assert read is None
    assert Problem("Indicators!G1", wb.UNKNOWN_COLUMN, {"column": "Units"}, "warning") in problems
    assert Problem("Rules!J1", wb.UNKNOWN_COLUMN, {"column": "Notes"}, "warning") in problems
    assert errors(problems) == [Problem("Indicators", wb.MISSING_COLUMN, {"column": "Unit"})]
    # Only a column nobody reads: read with a warning.
    read, problems, _meta = read_logframe(_damaged({("rules", "J1"): "Notes", ("rules", "J2"): "checked"}))
    assert read == BASE and [p.severity for p in problems] == ["warning"]


def test_a_repeated_code_names_its_second_cell():
    spec = replace(BASE, levels=BASE.levels + (LevelSpec("1", "outcome", "Again"),))
    read, problems, _meta = read_logframe(export(spec))
    assert read is None and errors(problems) == [Problem("Levels!A4", wb.DUPLICATE, {"first": "Levels!A2"})]


def test_a_missing_sheet_is_named():
    book = openpyxl.load_workbook(io.BytesIO(export(BASE, "fr")))
    del book[Lang("fr")._("Rules")]
    out = io.BytesIO()
    book.save(out)
    read, problems, _meta = read_logframe(out.getvalue())
    assert read is None and problems == [Problem("", wb.MISSING_SHEET, {"sheet": Lang("fr")._("Rules")})]


def test_a_workbook_without_its_hidden_sheet_is_read_with_the_library_given():
    book = openpyxl.load_workbook(io.BytesIO(export(BASE)))
    del book["meapp"]
    out = io.BytesIO()
    book.save(out)
    read, problems, metadata = read_logframe(out.getvalue(), disaggregation_choices=CHOICES)
    assert read == BASE and errors(problems) == [] and metadata["project"] == ""
    # Without the library, the disaggregation columns are unknown: said, not guessed.
    read, problems, _meta = read_logframe(out.getvalue())
    assert read.indicators[0].disaggregations == ()
    assert [p.where for p in problems] == ["Indicators!W1", "Indicators!X1", "Indicators!Y1"]


def test_another_format_or_a_newer_version_is_refused():
    assert read_logframe(_damaged({}))[0] == BASE
    book = openpyxl.load_workbook(io.BytesIO(export(BASE)))
    book["meapp"]["B2"] = 2
    out = io.BytesIO()
    book.save(out)
    read, problems, _meta = read_logframe(out.getvalue())
    assert read is None and [(p.where, p.message_id) for p in problems] == [("meapp!B2", wb.NEWER_FORMAT)]
    book["meapp"]["B1"] = "meapp-values"
    out = io.BytesIO()
    book.save(out)
    assert read_logframe(out.getvalue())[1][0].message_id == wb.NOT_A_LOGFRAME


def test_periods_are_read_from_codes_and_labels_of_either_language():
    data = _damaged({("targets", "D1"): "2021Q1", ("targets", "E1"): "T2 2021", ("targets", "F1"): "Q3 2021",
                     ("targets", "E2"): 5, ("targets", "F2"): "7,5"}, "fr")
    read, problems, _meta = read_logframe(data)
    assert errors(problems) == []
    assert [(t.period, t.combination, t.value) for t in read.targets] == [
        ("2021Q1", "", 10), ("2021Q1", "sex=F", 4), ("2021Q2", "", 5), ("2021Q3", "", Decimal("7.5"))]
    read, problems, _meta = read_logframe(_damaged({("targets", "E1"): "2021Q1"}))
    assert read is None and errors(problems) == [Problem("Targets!E1", wb.DUPLICATE_COLUMN, {"column": "2021Q1"})]


def test_rows_beyond_the_limit_are_a_problem(monkeypatch):
    monkeypatch.setattr(wb, "MAX_ROWS", 3)
    read, problems, _meta = read_logframe(_damaged({("levels", "A5"): "X", ("levels", "B5"): "Output"}))
    assert read is None and [(p.where, p.message_id) for p in errors(problems)] == [("Levels!A5",
                                                                                   upload.TOO_MANY_ROWS)]


# --- hostile files: refused before parsing, nothing read -----------------------------------------------------------
def _rezip(data: bytes, replace_parts: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, (replace_parts or {}).get(name, source.read(name)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _hostile():
    good = export(BASE)
    types = zipfile.ZipFile(io.BytesIO(good)).read("[Content_Types].xml")
    macro_types = types.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    workbook = zipfile.ZipFile(io.BytesIO(good)).read("xl/workbook.xml")
    entities = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    parts = [part(name, zipfile.ZipFile(io.BytesIO(good)).read(name))
             for name in zipfile.ZipFile(io.BytesIO(good)).namelist()]
    yield "empty", b"", upload.EMPTY
    yield "not a zip", b"name,value\nEMP,3\n", upload.NOT_A_WORKBOOK
    yield "truncated", good[: len(good) // 2], upload.NOT_A_WORKBOOK
    yield "macro workbook", _rezip(good, {"[Content_Types].xml": macro_types}, {"xl/vbaProject.bin": ole}), \
        upload.MACRO
    yield "macro renamed", _rezip(good, add={"xl/media/image1.png": ole}), upload.MACRO
    yield "encrypted", ole + "EncryptedPackage".encode("utf-16-le"), upload.ENCRYPTED
    yield "external link", _rezip(good, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}), \
        upload.EXTERNAL
    yield "entities", _rezip(good, {"xl/workbook.xml": entities + workbook.split(b"?>", 1)[1]}), \
        upload.NOT_A_WORKBOOK
    yield "zip bomb", craft(parts + [bomb("xl/media/bomb.bin", prefix=b"", megabytes=150)]), upload.TOO_BIG
    yield "path traversal", craft(parts + [part("../../evil.xml", b"<x/>")]), upload.NOT_A_WORKBOOK
    yield "a Word document", _rezip(good, {"[Content_Types].xml": types.replace(
        b"spreadsheetml.sheet.main+xml", b"wordprocessingml.document.main+xml")}), upload.NOT_A_WORKBOOK


@pytest.mark.parametrize("name, data, message", list(_hostile()), ids=[c[0] for c in _hostile()])
def test_hostile_files_are_refused_before_parsing(name, data, message):
    read, problems, metadata = read_logframe(data)
    assert (read, metadata) == (None, {})
    assert problems == [Problem("", message)]


def test_the_size_limit_comes_first():
    data = export(BASE)
    assert read_logframe(data, max_bytes=len(data))[0] == BASE
    assert read_logframe(data, max_bytes=len(data) - 1)[1] == [Problem("", upload.TOO_LARGE, {"limit": 1})]


def test_a_huge_declared_sheet_is_read_within_its_rows():
    """A sheet declaring a million rows and every column is read as far as the rows it holds, no further."""
    good = export(BASE)
    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet5.xml")  # Rules
    sheet = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    read, problems, _meta = read_logframe(_rezip(good, {"xl/worksheets/sheet5.xml": sheet}))
    assert read == BASE and errors(problems) == []


def test_openpyxl_parses_behind_defusedxml():
    import openpyxl as module

    assert module.DEFUSEDXML is True
