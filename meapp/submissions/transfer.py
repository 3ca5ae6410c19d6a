"""The JSON transfer format of `flask submissions load/export`: reading, checking and writing it."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from meapp.core.numbers import NumberError, parse_decimal
from meapp.core.text import text_problem
from meapp.submissions import queries
from meapp.submissions.rules import ValueEntry
from meapp.validation.inputs import combination_key, parse_combination

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TransferError(ValueError):
    """The file itself is unreadable or malformed (exit code 2)."""


@dataclass(frozen=True)
class Transfer:
    project: str
    period: str
    entries: list[ValueEntry]
    narrative_en: str | None
    narrative_fr: str | None


def _where(index: int, field: str) -> str:
    return f"values[{index}].{field}"


def _no_constant(name: str):
    raise TransferError(f"{name} is not a number meapp accepts")


# A transfer file nests four levels; the limit stops json's recursive parser long before the stack does
# (a RecursionError caught deep in C code can leave CPython's recursion accounting unreliable).
MAX_DEPTH = 32
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def _too_deep(text: str) -> bool:
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def read(text: str) -> Transfer:
    """Parse and check the shape of a transfer file; numbers are kept exact (Decimal)."""
    if _too_deep(text):
        raise TransferError(f"not valid JSON: it is nested more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TransferError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except RecursionError as exc:
        raise TransferError("not valid JSON: it is nested too deeply") from exc
    except (ValueError, ArithmeticError) as exc:
        raise TransferError(f"not valid JSON: {str(exc)[:200]}") from exc
    if not isinstance(data, dict):
        raise TransferError("the file must hold one JSON object")
    for key in ("project", "period"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise TransferError(f'"{key}" must be a non-empty string')
        if text_problem(data[key], 40):
            raise TransferError(f'"{key}" holds control characters or is too long')
    values = data.get("values", [])
    if not isinstance(values, list):
        raise TransferError('"values" must be a list')
    entries = []
    for index, item in enumerate(values):
        if not isinstance(item, dict):
            raise TransferError(f"values[{index}] must be an object")
        indicator = item.get("indicator")
        if not isinstance(indicator, str) or not indicator.strip():
            raise TransferError(f"{_where(index, 'indicator')} must be a non-empty string")
        categories = item.get("categories") or {}
        if not isinstance(categories, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k and v and "|" not in k + v and "=" not in k + v
                for k, v in categories.items()):
            raise TransferError(f'{_where(index, "categories")} must map disaggregation keys to category keys, '
                                'e.g. {"sex": "F"}')
        value = item.get("value")
        if isinstance(value, bool) or not (value is None or isinstance(value, (str, int, Decimal))):
            raise TransferError(f"{_where(index, 'value')} must be a string, a number or null")
        if isinstance(value, (int, Decimal)):
            try:
                value = parse_decimal(value)
            except NumberError as exc:
                raise TransferError(f"{_where(index, 'value')} is not a number meapp can hold "
                                    "(at most 30 digits, no exponent beyond them)") from exc
        comment = item.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise TransferError(f"{_where(index, 'comment')} must be a string")
        entries.append(ValueEntry(indicator.strip(), value, combination_key(categories), comment))
    seen, duplicates = set(), set()
    for entry in entries:
        key = (entry.indicator, entry.combination)
        (duplicates if key in seen else seen).add(key)
    duplicates = sorted(f"{i} {c}".strip() for i, c in duplicates)
    if duplicates:
        more = f" and {len(duplicates) - 20} more" if len(duplicates) > 20 else ""
        raise TransferError(f"the same value is given twice: {', '.join(duplicates[:20])}{more}")
    narrative = data.get("narrative") or {}
    if not isinstance(narrative, dict) or not all(k in ("en", "fr") and isinstance(v, str)
                                                  for k, v in narrative.items()):
        raise TransferError('"narrative" must be an object with "en" and/or "fr" strings')
    return Transfer(data["project"].strip(), data["period"].strip(), entries, narrative.get("en"),
                    narrative.get("fr"))


def finding_json(finding, message: str) -> dict:
    return {"code": finding.code.value, "severity": finding.severity, "indicator": finding.indicator or None,
            "categories": parse_combination(finding.combination), "message": message}


def export_rows(submission, indicators) -> list[dict]:
    """The values the period reports, in the load format: none for an indicator retired for it
    (queries.retired_for), which `load` would refuse — what is kept for one stays in the database."""
    retired = queries.retired_in(submission, indicators)
    code_of = {i.id: i.code for i in indicators}
    order = {i.id: n for n, i in enumerate(indicators)}
    rows = []
    for value in sorted(submission.values, key=lambda v: (order.get(v.indicator_id, 0), v.combination)):
        if value.indicator_id in retired:
            continue
        raw = value.value if value.value is not None else value.text_value
        rows.append({"indicator": code_of.get(value.indicator_id, "?"),
                     "categories": parse_combination(value.combination),
                     "value": None if raw is None else (format(raw.normalize(), "f") if isinstance(raw, Decimal)
                                                        else str(raw)),
                     "comment": value.comment or ""})
    return rows


def to_json(project_code: str, submission, indicators) -> str:
    return json.dumps({
        "project": project_code, "period": submission.period, "status": submission.status.value,
        "version": submission.version, "values": export_rows(submission, indicators),
        "narrative": {"en": submission.narrative_en, "fr": submission.narrative_fr},
    }, ensure_ascii=False, indent=2)


def safe_cell(text: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    return "'" + text if text and text.startswith(FORMULA_START) else text


def to_csv(submission, indicators) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["indicator", "categories", "value", "comment"])
    for row in export_rows(submission, indicators):
        categories = combination_key(row["categories"])
        value = row["value"] or ""
        if value and not _is_number(value):
            value = safe_cell(value)
        writer.writerow([row["indicator"], categories, value, safe_cell(row["comment"])])
    return out.getvalue()


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
