"""Values saved through the service and read back from the database re-validate to the same findings.

The unit property (tests/unit/test_stored_values_revalidate.py) simulates the column; this one goes
through the real write path and the real column type of the database under test (SQLite or
PostgreSQL), for every unit and decimals setting, zero, negative zero and the largest allowed value.
"""
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from meapp.auth.models import User
from meapp.logframes.models import Indicator, Unit
from meapp.projects.models import Project
from meapp.submissions import service
from meapp.submissions.models import Submission, SubmissionStatus
from meapp.validation.checks import VALUE_LIMIT

LARGEST = VALUE_LIMIT - Decimal("0.0001")


def _comparable(findings) -> list:
    out = []
    for f in findings:
        params = {k: (Decimal(str(v)).normalize() if _is_number(v) else v) for k, v in (f.params or {}).items()}
        out.append((f.code if isinstance(f.code, str) else f.code.value, f.indicator_code if hasattr(f, "indicator_code")
                    else f.indicator, f.combination, sorted(params.items(), key=str)))
    return sorted(out, key=str)


def _is_number(v) -> bool:
    try:
        return isinstance(v, (Decimal, int)) or (isinstance(v, str) and Decimal(v).is_finite())
    except ArithmeticError:
        return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.sampled_from([Unit.NUMBER, Unit.PERCENT, Unit.CURRENCY, Unit.YES_NO]),
       decimals=st.integers(0, 4),
       value=st.one_of(st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4),
                       st.sampled_from([Decimal(0), Decimal("-0"), Decimal(1), LARGEST, Decimal("0.5")])),
       lang=st.sampled_from(["en", "fr"]))
@example(unit=Unit.NUMBER, decimals=0, value=Decimal(0), lang="en")
@example(unit=Unit.YES_NO, decimals=0, value=Decimal(0), lang="fr")
@example(unit=Unit.CURRENCY, decimals=4, value=LARGEST, lang="en")
def test_saved_values_revalidate_to_the_same_findings(tx, prj, unit, decimals, value, lang):
    nested = tx.begin_nested()
    try:
        project = tx.get(Project, prj.project_id)
        implementer = tx.scalar(select(User).where(User.email == prj.implementer))
        indicator = tx.scalar(select(Indicator).where(Indicator.project_id == project.id, Indicator.code == "EMP"))
        indicator.unit, indicator.decimals = unit, decimals
        typed = f"{value:f}".replace(".", "," if lang == "fr" else ".")
        outcome = service.save(project, "2024Q1", implementer,
                               [service.ValueEntry("COUNT", "30"), service.ValueEntry("EMP", typed)],
                               expected_version=0, lang=lang)
        before = _comparable(outcome.submission.findings)
        tx.flush()
        tx.expire_all()  # read the values back from the database, with its column type
        submission = tx.scalar(select(Submission).where(Submission.project_id == project.id,
                                                        Submission.period == "2024Q1"))
        stored = next(v for v in submission.values if v.indicator_id == indicator.id)
        assert stored.value is not None or stored.text_value == typed
        result = service.revalidate(project, submission, lang)
        assert _comparable(result.findings) == before
    finally:
        nested.rollback()
        tx.expunge_all()  # nothing of this example stays in the identity map (ids are reused after rollback)


def test_every_handed_in_demo_submission_has_no_decimals_error(tx):
    """The demo's stored zeros once failed re-validation ('0 has more than 0 decimals')."""
    submissions = tx.scalars(select(Submission).where(Submission.status.in_(
        (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)))).all()
    assert len(submissions) > 100
    failing = []
    for submission in submissions:
        result = service.revalidate(submission.project, submission)
        failing += [(submission.project.code, submission.period, f.indicator) for f in result.findings
                    if f.code.value in ("too_many_decimals", "not_a_number")]
    assert failing == []
