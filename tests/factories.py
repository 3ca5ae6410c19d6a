"""Factories for a small, fully known project: every check of the engine can be triggered on it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from meapp.auth.models import Role, User
from meapp.logframes.models import (
    Aggregation,
    DisaggregationType,
    Indicator,
    LevelKind,
    MissingValueStrategy,
    Operator,
    PeriodTarget,
    ResultLevel,
    Severity,
    Unit,
    ValidationRule,
)
from meapp.projects.models import Organisation, ParticipationRole, Project, ProjectOrganisation
from meapp.submissions.models import PeriodStatus, ReportingPeriod, Submission, SubmissionStatus, Value

PASSWORD = "factory-password"
HISTORY = {"2023Q1": 10, "2023Q2": 12, "2023Q3": 11, "2023Q4": 13}


def make_test_project(session, code: str = "TESTPRJ") -> dict:
    """Project TESTPRJ (2023–2025) with one indicator per kind, a rule, 4 approved quarters and 2024Q1 open."""
    impl_org = Organisation(name=f"{code} implementer org")
    donor_org = Organisation(name=f"{code} donor org")
    session.add_all([impl_org, donor_org])
    project = Project(code=code, title_en="Test project", title_fr="Projet de test", start_date=dt.date(2023, 1, 1),
                      end_date=dt.date(2025, 12, 31), lead_organisation=impl_org)
    project.participations = [
        ProjectOrganisation(organisation=impl_org, role=ParticipationRole.IMPLEMENTER),
        ProjectOrganisation(organisation=donor_org, role=ParticipationRole.FUNDER),
    ]
    session.add(project)
    session.flush()
    impact = ResultLevel(project_id=project.id, kind=LevelKind.IMPACT, code="IMP", statement_en="Impact",
                         statement_fr="Impact", position=0)
    output = ResultLevel(project_id=project.id, kind=LevelKind.OUTPUT, code="1.1", statement_en="Training",
                         statement_fr="Formation", parent=impact, position=1)
    session.add_all([impact, output])
    sex = session.scalar(select(DisaggregationType).where(DisaggregationType.key == "sex"))

    def indicator(code_, position, **kw):
        ind = Indicator(project_id=project.id, result_level=output, code=code_, name_en=code_.title(),
                        name_fr=f"{code_.title()} (fr)", position=position, **kw)
        session.add(ind)
        return ind

    count = indicator("COUNT", 1, unit=Unit.NUMBER, target_value=Decimal(100), is_required=True)
    count.disaggregation_types.append(sex)
    indicator("EMP", 2, unit=Unit.NUMBER, is_required=False)
    indicator("PCT", 3, unit=Unit.PERCENT, decimals=1, is_required=False)
    indicator("RANGED", 4, unit=Unit.NUMBER, min_value=Decimal(5), max_value=Decimal(230), is_required=False)
    indicator("STOCK", 5, unit=Unit.NUMBER, aggregation=Aggregation.LATEST, is_cumulative=True, is_required=False)
    indicator("FLAG", 6, unit=Unit.YES_NO, is_required=False)
    indicator("NOTE", 7, unit=Unit.TEXT, is_required=False)
    session.flush()
    session.add(PeriodTarget(indicator_id=count.id, period="2024Q1", value=Decimal(40)))
    session.add(ValidationRule(project_id=project.id, code="R1", left_expression="EMP", operator=Operator.LE,
                               right_expression="COUNT", severity=Severity.ERROR,
                               missing_value_strategy=MissingValueStrategy.SKIP_IF_ANY,
                               message_en="Employed cannot exceed trained.",
                               message_fr="Les employés ne peuvent pas dépasser les formés."))
    stock = session.scalar(select(Indicator).where(Indicator.project_id == project.id, Indicator.code == "STOCK"))
    emp = session.scalar(select(Indicator).where(Indicator.project_id == project.id, Indicator.code == "EMP"))
    for k, (period, value) in enumerate(HISTORY.items()):
        submission = Submission(project_id=project.id, period=period, status=SubmissionStatus.APPROVED,
                                is_locked=True)
        submission.values = [Value(indicator_id=count.id, value=Decimal(value * 3)),
                             Value(indicator_id=emp.id, value=Decimal(value)),
                             Value(indicator_id=stock.id, value=Decimal(5 + k))]
        session.add(submission)
    for code_, status in (("2024Q1", PeriodStatus.OPEN), ("2023Q4", PeriodStatus.CLOSED)):
        if session.scalar(select(ReportingPeriod).where(ReportingPeriod.code == code_)) is None:
            session.add(ReportingPeriod(code=code_, status=status, due_date=dt.date(2024, 4, 30)))
        else:
            session.scalar(select(ReportingPeriod).where(ReportingPeriod.code == code_)).status = status
    implementer = User(email=f"impl@{code.lower()}.example.org", name="Test implementer", role=Role.IMPLEMENTER,
                       organisation=impl_org)
    donor = User(email=f"donor@{code.lower()}.example.org", name="Test donor", role=Role.DONOR,
                 organisation=donor_org)
    for user in (implementer, donor):
        user.set_password(PASSWORD)
    session.add_all([implementer, donor])
    session.flush()
    return {"project": project, "implementer": implementer, "donor": donor}
