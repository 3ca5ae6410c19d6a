"""The demo: every pilot project of the facts, with a plausible logframe, fact targets and 8 quarters."""
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.auth.models import Role, User
from meapp.logframes.models import Indicator, LevelKind, ResultLevel, ValidationRule
from meapp.projects.models import Project
from meapp.seed.facts import facts
from meapp.submissions.models import ReportingPeriod, Submission, SubmissionStatus, Value

PILOTS = [p["code"] for p in facts()["pilot_projects"]]


def project(tx, code) -> Project:
    return tx.scalar(select(Project).where(Project.code == code))


def test_every_pilot_project_is_loaded_and_labelled_demo(tx):
    codes = set(tx.scalars(select(Project.code)))
    assert set(PILOTS) <= codes
    assert len(PILOTS) == 22
    assert all(p.is_demo for p in tx.scalars(select(Project)))


@pytest.mark.parametrize("code", PILOTS)
def test_logframe_shape(tx, code):
    p = project(tx, code)
    kinds = Counter(level.kind for level in tx.scalars(select(ResultLevel).where(ResultLevel.project_id == p.id)))
    assert kinds[LevelKind.IMPACT] == 1
    assert 1 <= kinds[LevelKind.OUTCOME] <= 2
    assert 2 <= kinds[LevelKind.OUTPUT] <= 4
    indicators = tx.scalars(select(Indicator).where(Indicator.project_id == p.id)).all()
    assert 5 <= len(indicators) <= 10
    for ind in indicators:
        assert ind.name_en and ind.name_fr and ind.name_en != ind.name_fr
    assert p.title_fr and p.title_en and p.summary_fr and p.summary_en


@pytest.mark.parametrize("code, targets", [
    ("MENTOR-2", [50, 20, 150]),
    ("SAMI-NP", [9000, 22]),
    ("SEEDA", [155, 800]),
    ("PALIM", [50, 50]),
    ("FREETOWN-WASTE", [200, 80, 800, 60]),
])
def test_targets_use_the_facts(tx, code, targets):
    p = project(tx, code)
    have = Counter(tx.scalars(select(Indicator.target_value).where(Indicator.project_id == p.id)))
    for target in targets:
        assert have[Decimal(target)] >= 1, (code, target)


def test_every_numeric_fact_is_a_target(tx):
    for spec in facts()["pilot_projects"]:
        p = project(tx, spec["code"])
        targets = set(tx.scalars(select(Indicator.target_value).where(Indicator.project_id == p.id)))
        for fact in spec.get("indicator_facts") or []:
            if isinstance(fact.get("value"), (int, float)):
                assert Decimal(str(fact["value"])) in targets, (spec["code"], fact["label_en"])


def test_eight_quarters_of_values_in_every_state(tx):
    statuses = Counter()
    for code in PILOTS:
        p = project(tx, code)
        submissions = tx.scalars(select(Submission).where(Submission.project_id == p.id)).all()
        assert len(submissions) == 8, code
        statuses.update(s.status for s in submissions)
        counts = tx.execute(select(Value.submission_id, func.count()).join(Submission)
                            .where(Submission.project_id == p.id).group_by(Value.submission_id)).all()
        assert len(counts) == 8 and all(n > 0 for _, n in counts)
    assert set(statuses) == set(SubmissionStatus)
    assert tx.scalar(select(func.count()).select_from(ReportingPeriod).where(ReportingPeriod.status == "open")) > 0


def test_disaggregations_add_up_to_the_totals(tx):
    totals, parts = {}, defaultdict(lambda: defaultdict(Decimal))
    for value in tx.scalars(select(Value).where(Value.value.is_not(None))):
        if value.combination == "":
            totals[(value.submission_id, value.indicator_id)] = value.value
        else:
            dtype = value.combination.split("=")[0]
            parts[(value.submission_id, value.indicator_id)][dtype] += value.value
    assert parts, "the demo has disaggregated values"
    for key, by_type in parts.items():
        for dtype, total in by_type.items():
            assert total == totals[key], (key, dtype)


def test_values_are_decimals(tx):
    value = tx.scalar(select(Value).where(Value.value.is_not(None)).limit(1))
    assert isinstance(value.value, Decimal)
    assert isinstance(tx.scalar(select(Indicator.target_value).where(Indicator.target_value.is_not(None)).limit(1)),
                      Decimal)


def test_cumulative_indicators_never_go_down(tx):
    rows = tx.execute(
        select(Value.indicator_id, Submission.period, Value.value)
        .join(Submission).join(Indicator, Indicator.id == Value.indicator_id)
        .where(Indicator.is_cumulative.is_(True), Value.combination == "")
    ).all()
    series = defaultdict(list)
    for indicator_id, period, value in rows:
        series[indicator_id].append((period, value))
    assert series
    for points in series.values():
        values = [v for _, v in sorted(points)]
        assert values == sorted(values)


def test_rules_refer_to_indicators_of_their_project(tx):
    import re

    for rule in tx.scalars(select(ValidationRule)):
        codes = set(tx.scalars(select(Indicator.code).where(Indicator.project_id == rule.project_id)))
        names = set(re.findall(r"[A-Z][A-Z0-9_]*", f"{rule.left_expression} {rule.right_expression}"))
        assert names <= codes, (rule.code, names - codes)


def test_demo_accounts_one_per_organisation_role(tx):
    users = tx.scalars(select(User).where(User.is_demo.is_(True))).all()
    roles = Counter(u.role for u in users)
    assert roles[Role.SECRETARIAT] == 1
    funders = {ALIAS for spec in facts()["pilot_projects"] for ALIAS in spec.get("funders") or []}
    assert roles[Role.DONOR] == len(funders)
    assert roles[Role.IMPLEMENTER] >= 20
    assert all(u.organisation_id for u in users)


def test_seeding_is_audited(tx):
    assert tx.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "submission.create")) \
        == 22 * 8


def test_demo_values_are_deterministic(app, tmp_path):
    """A second, independent seed produces exactly the same figures (fixed seed)."""
    from meapp import create_app
    from meapp.extensions import db
    from meapp.seed.demo import seed_demo

    def digest(session):
        rows = session.execute(
            select(Project.code, Indicator.code, Submission.period, Value.combination, Value.value)
            .join(Submission, Submission.project_id == Project.id).join(Value, Value.submission_id == Submission.id)
            .join(Indicator, Indicator.id == Value.indicator_id)
            .order_by(Project.code, Indicator.code, Submission.period, Value.combination)
        ).all()
        return [(a, b, c, d, None if e is None else Decimal(e).normalize()) for a, b, c, d, e in rows]

    with app.app_context():
        expected = digest(db.session)
        db.session.remove()
    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'again.sqlite'}"}, env="testing")
    with other.app_context():
        db.create_all()
        seed_demo("whatever-password")
        db.session.commit()
        assert digest(db.session) == expected
        db.session.remove()
        db.engine.dispose()
