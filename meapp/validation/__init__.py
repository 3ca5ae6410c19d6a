"""The validation engine: plain data in, findings out. No Flask, no SQLAlchemy."""
from meapp.validation.engine import ValidationResult, validate  # noqa: F401
from meapp.validation.expressions import RuleSyntaxError, parse_expression  # noqa: F401
from meapp.validation.findings import Finding, FindingCode  # noqa: F401
from meapp.validation.inputs import (  # noqa: F401
    DisaggregationSpec,
    IndicatorSpec,
    PeriodContext,
    RawValue,
    RuleSpec,
    ValidationInput,
    combination_key,
    parse_combination,
)
