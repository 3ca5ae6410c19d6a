"""The logframe write path (meapp.logframes.service): apply_logframe on the demo and on a new project,
revisions and retirements, permissions, conflicts, dry runs, and the draft → submitted → approved lifecycle."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest
from flask_babel import get_locale
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.auth.models import Role, User
from meapp.core.problems import ProblemsError
from meapp.errors import ConflictError, LogframeConflict, LogframeStateError, PermissionDenied, WorkflowError
from meapp.logframes import queries, service
from meapp.logframes.models import Indicator, IndicatorRevision, LogframeStatus, ResultLevel, ValidationRule
from meapp.logframes.spec import IndicatorSpec, LevelSpec, LogframeSpec, RuleSpec, TargetSpec
from meapp.projects.models import (
    CountryRole,
    Organisation,
    ParticipationRole,
    Project,
    ProjectCountry,
    ProjectOrganisation,
)
from meapp.submissions import service as submissions
from meapp.submissions.models import Submission, Value
from meapp.submissions.rules import ValueEntry

SECRETARIAT, PALIM_IMPLEMENTER = "secretariat@example.org", "impl.belgium@example.org"
OTHER_IMPLEMENTER, PALIM_DONOR, OTHER_DONOR = "impl.iom@example.org", "donor.eu-dg-home@example.org", \
    "donor.bmz@example.org"


def project(tx, code: str) -> Project:
    return tx.scalar(select(Project).where(Project.code == code))


def events(tx, project_: Project, action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.project_id == project_.id).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(tx.scalars(stmt))


@pytest.fixture
def fresh(tx):
    """A new project with no logframe yet: its implementer, and a funder with one active donor account."""
    implementer_org, funder = Organisation(name="Fresh implementer"), Organisation(name="Fresh funder")
    new = Project(code="FRESH", title_en="Fresh project", title_fr="Projet neuf", start_date=dt.date(2024, 1, 1),
                  end_date=dt.date(2025, 6, 30), lead_organisation=implementer_org)
    new.participations = [ProjectOrganisation(organisation=implementer_org, role=ParticipationRole.IMPLEMENTER),
                          ProjectOrganisation(organisation=funder, role=ParticipationRole.FUNDER, position=1)]
    people = [User(email="impl@fresh.example.org", name="Ina", role=Role.IMPLEMENTER, organisation=implementer_org,
                   password_hash="x"),
              User(email="donor@fresh.example.org", name="Dora", role=Role.DONOR, organisation=funder,
                   password_hash="x", locale="fr"),
              User(email="gone@fresh.example.org", name="Gone", role=Role.DONOR, organisation=funder,
                   password_hash="x", is_active_account=False)]
    tx.add_all([new, *people])
    tx.flush()
    return new


def fresh_spec() -> LogframeSpec:
    return LogframeSpec(
        levels=(LevelSpec("IMP", "impact", "Decent work", "Travail décent"),
                LevelSpec("1", "outcome", "Jobs", "Emplois", parent="IMP"),
                LevelSpec("1.1", "output", "Training", "Formation", parent="1"),
                LevelSpec("1.2", "output", "Placement", "Placement", parent="1")),
        indicators=(IndicatorSpec("TRAINED", "1.1", "People trained", "Personnes formées", unit="number",
                                  target_value=D("200.00"), disaggregations=("sex",)),
                    IndicatorSpec("SHARE_F", "1.1", "Share of women", "Part des femmes", unit="percent", decimals=1,
                                  aggregation="latest", baseline_value=D("30.5"), baseline_date=dt.date(2024, 1, 1)),
                    IndicatorSpec("PLACED", "1.2", "People placed", "Personnes placées", target_value=D(80),
                                  means_of_verification_en="Contracts", means_of_verification_fr="Contrats")),
        targets=(TargetSpec("TRAINED", "2024Q1", D(20)), TargetSpec("TRAINED", "2024Q1", D(10), "sex=F"),
                 TargetSpec("TRAINED", "2024Q2", D("40.0000"))),
        rules=(RuleSpec("R1", "PLACED", "<=", "TRAINED", message_en="Placed ≤ trained",
                        message_fr="Placés ≤ formés"),),
    )


# --- reading ---------------------------------------------------------------------------------------------


def test_a_logframe_built_from_a_spec_reads_back_as_the_same_spec(tx, fresh, user):
    plan = service.apply_logframe(fresh, user("impl@fresh.example.org"), fresh_spec())
    assert plan.changed and plan.errors == []
    read = queries.spec_of(fresh)
    assert read == replace(fresh_spec(), targets=tuple(replace(t, value=t.value.normalize() if t.value % 1 else
                                                               t.value.quantize(D(1))) for t in fresh_spec().targets))
    assert [str(t.value) for t in read.targets] == ["20", "10", "40"]
    assert str(read.indicator("TRAINED").target_value) == "200" and str(read.indicator("SHARE_F").baseline_value) \
        == "30.5"
    # Sent back unchanged, it changes nothing.
    assert service.apply_logframe(fresh, user("impl@fresh.example.org"), read).changes == []


@pytest.mark.parametrize("email", [SECRETARIAT, PALIM_IMPLEMENTER])
def test_the_demo_logframe_sent_back_changes_nothing(tx, user, email):
    palim = project(tx, "PALIM")
    before = len(events(tx, palim))
    logframe = queries.logframe_of(palim)
    version = logframe.version if logframe else None
    plan = service.apply_logframe(palim, user(email), queries.spec_of(palim))
    assert plan.changes == [] and plan.errors == []
    assert len(events(tx, palim)) == before
    logframe = queries.logframe_of(palim)
    assert (logframe.version if logframe else None) == version


def test_spec_of_is_canonical_and_plain(tx):
    spec = queries.spec_of(project(tx, "PALIM"))
    codes = [level.code for level in spec.levels]
    parents = {level.code: level.parent for level in spec.levels}
    assert all(parents[code] is None or codes.index(parents[code]) < codes.index(code) for code in codes)
    level_order = {code: index for index, code in enumerate(codes)}
    assert [level_order[i.level] for i in spec.indicators] == sorted(level_order[i.level] for i in spec.indicators)
    numbers = [i.target_value for i in spec.indicators if i.target_value is not None] + [t.value for t in spec.targets]
    assert numbers and all("E" not in str(n) and (n == n.to_integral_value() or not str(n).endswith("0"))
                           for n in numbers)
    order = {i.code: k for k, i in enumerate(spec.indicators)}
    assert [(order[t.indicator], t.period, t.combination) for t in spec.targets] == \
        sorted((order[t.indicator], t.period, t.combination) for t in spec.targets)


def test_spec_of_runs_a_fixed_number_of_queries(tx, count_queries):
    counts = []
    for code in ("MENTOR-1", "STARTWIEN", "SAMI-NP"):
        item = project(tx, code)
        tx.expire_all()
        assert item.id  # the project itself is loaded: only the logframe's reads are counted
        with count_queries() as statements:
            spec = queries.spec_of(item)
        assert spec.indicators
        counts.append(len(statements))
    assert len(set(counts)) == 1 and counts[0] <= 5, counts


def test_indicators_with_values_and_revisions_read(tx, prj):
    testprj = project(tx, "TESTPRJ")
    assert queries.indicators_with_values(testprj) == {"COUNT", "EMP", "STOCK"}
    assert queries.revisions_of(queries.indicator_of(testprj, "EMP")) == []


# --- checks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change, where, message_id", [
    (lambda s: s.with_indicator(replace(s.indicator("PLACED"), unit="kg", where={"unit": "Indicators!F4"})),
     "Indicators!F4", "“%(value)s” is not one of the choices: %(allowed)s."),
    (lambda s: s.with_targets("TRAINED", (TargetSpec("TRAINED", "2025Q3", D(5), where={"": "Targets!B9"}),)),
     "Targets!B9", "%(period)s is outside the project's dates: it reports from %(first)s to %(last)s."),
    (lambda s: s.with_targets("TRAINED", (TargetSpec("TRAINED", "2024Q1", D(5), "age_group=15-24",
                                                     where={"combination": "Targets!C3"}),)),
     "Targets!C3", "“%(combination)s” is not a category of this indicator's disaggregations."),
    (lambda s: s.with_indicator(replace(s.indicator("PLACED"), disaggregations=("caste",))),
     "indicator PLACED", "No disaggregation “%(key)s” in the shared list."),
    (lambda s: s.with_rule(RuleSpec("R2", "PLACED", "<=", "NOPE", message_en="x", where={"right": "Rules!D2"})),
     "Rules!D2", "Unknown indicator in “%(expression)s”: %(codes)s."),
    (lambda s: s.with_level(LevelSpec("1.3", "impact", "x", "x", parent="1", where={"": "Levels!A6"})),
     "Levels!A6", "Level %(code)s must sit deeper than %(parent)s, its parent (impact, then outcome, output, "
     "activity)."),
])
def test_problems_refuse_everything_and_name_their_place(tx, fresh, user, change, where, message_id):
    actor = user("impl@fresh.example.org")
    with pytest.raises(ProblemsError) as caught:
        service.apply_logframe(fresh, actor, change(fresh_spec()))
    assert (where, message_id) in {(p.where, p.message_id) for p in caught.value.errors}
    assert queries.spec_of(fresh) == LogframeSpec() and queries.logframe_of(fresh) is None
    assert events(tx, fresh) == []


def test_country_categories_are_the_project_s_own_when_it_names_them(tx, fresh, user):
    spec = fresh_spec()
    spec = spec.with_indicator(replace(spec.indicator("PLACED"), disaggregations=("destination_country",)))

    def problems(country: str) -> list[str]:
        target = TargetSpec("PLACED", "2025Q2", D(3), f"destination_country={country}")
        return [p.message_id for p in service.plan_logframe(fresh, spec.with_targets("PLACED", (target,))).errors]

    assert fresh.countries == [] and problems("BE") == []  # none named: every country of the shared list
    fresh.countries.append(ProjectCountry(country_code="DE", role=CountryRole.DESTINATION))
    tx.flush()
    assert problems("DE") == []
    assert problems("BE") == ["“%(combination)s” is not a category of this indicator's disaggregations."]


# --- revisions, retirements, deletions ---------------------------------------------------------------------


def test_a_definition_change_once_values_exist_is_a_new_revision_and_values_keep_theirs(tx, prj, user):
    testprj, secretariat = project(tx, "TESTPRJ"), user(SECRETARIAT)
    spec = queries.spec_of(testprj)
    renamed = spec.with_indicator(replace(spec.indicator("EMP"), name_en="Employed 6 months after training",
                                          decimals=1))
    with pytest.raises(ProblemsError) as caught:
        service.apply_logframe(testprj, secretariat, renamed)
    assert [(p.where, p.params) for p in caught.value.errors] == [("reason", {"codes": "EMP"})]

    plan = service.apply_logframe(testprj, secretariat, renamed, reason="The donor asks for 6-month employment")
    assert [(c.action, c.code, c.fields) for c in plan.changes] == [("revise", "EMP", ("name_en", "decimals"))]
    emp = queries.indicator_of(testprj, "EMP")
    assert emp.revision == 2 and emp.name_en == "Employed 6 months after training"
    (old,) = queries.revisions_of(emp)
    assert old.number == 1 and old.definition["name_en"] == "Emp" and old.definition["decimals"] == 0
    assert old.definition["min_value"] is None and old.reason == "The donor asks for 6-month employment"
    (event,) = events(tx, testprj, "indicator.revise")
    assert event.before == {"name_en": "Emp", "decimals": 0} and event.reason.startswith("The donor")
    assert event.entity_key == "TESTPRJ/indicators/EMP"

    submissions.save(testprj, "2024Q1", user(prj.implementer), [ValueEntry("EMP", "7"), ValueEntry("COUNT", "30")])
    rows = tx.execute(select(Submission.period, Value.indicator_revision).join(Value)
                      .where(Value.indicator_id == emp.id).order_by(Submission.period)).all()
    assert rows == [("2023Q1", 1), ("2023Q2", 1), ("2023Q3", 1), ("2023Q4", 1), ("2024Q1", 2)]


def test_an_indicator_without_values_is_simply_updated(tx, prj, user):
    testprj = project(tx, "TESTPRJ")
    spec = queries.spec_of(testprj)
    plan = service.apply_logframe(testprj, user(SECRETARIAT), spec.with_indicator(
        replace(spec.indicator("PCT"), name_fr="Part (fr)", decimals=2)))
    assert [(c.action, c.code) for c in plan.changes] == [("update", "PCT")]
    assert queries.indicator_of(testprj, "PCT").revision == 1


def test_target_revisions_after_approval_are_dated_and_explained(tx, prj, user):
    testprj, secretariat = project(tx, "TESTPRJ"), user(SECRETARIAT)
    spec = queries.spec_of(testprj)
    changed = spec.with_indicator(replace(spec.indicator("COUNT"), target_value=D(90))).with_targets(
        "COUNT", (TargetSpec("COUNT", "2024Q1", D(35)), TargetSpec("COUNT", "2024Q2", D(45), "sex=F")))
    with pytest.raises(ProblemsError) as caught:
        service.apply_logframe(testprj, secretariat, changed)
    assert [p.where for p in caught.value.errors] == ["reason"]
    service.apply_logframe(testprj, secretariat, changed, reason="Fewer places funded")
    count = queries.indicator_of(testprj, "COUNT")
    assert count.target_value == 90 and count.target_revised_at is not None
    assert count.target_revision_reason == "Fewer places funded"
    assert {(t.period, t.combination, t.value) for t in count.period_targets} == {("2024Q1", "", 35),
                                                                                ("2024Q2", "sex=F", 45)}
    (event,) = events(tx, testprj, "target.retarget")
    assert event.before == {"2024Q1": "40", "2024Q2 sex=F": None} and event.after == {"2024Q1": "35",
                                                                                    "2024Q2 sex=F": "45"}
    assert event.entity_key == "TESTPRJ/indicators/COUNT/targets"
    assert [e.after for e in events(tx, testprj, "indicator.retarget")] == [{"target_value": "90"}]


def test_targets_of_a_logframe_never_approved_are_drafted_freely(tx, fresh, user):
    actor = user("impl@fresh.example.org")
    service.apply_logframe(fresh, actor, fresh_spec())
    spec = queries.spec_of(fresh).with_targets("TRAINED", (TargetSpec("TRAINED", "2025Q2", D(60)),))
    plan = service.apply_logframe(fresh, actor, spec)
    assert [(c.action, c.kind, c.fields) for c in plan.changes] == [
        ("update", "target", ("2025Q2", "2024Q1", "2024Q1 sex=F", "2024Q2"))]
    assert queries.indicator_of(fresh, "TRAINED").target_revised_at is None
    assert [(t.period, t.combination) for t in queries.spec_of(fresh).targets] == [("2025Q2", "")]


def test_an_indicator_with_values_is_retired_not_deleted(tx, prj, user):
    testprj, secretariat = project(tx, "TESTPRJ"), user(SECRETARIAT)
    spec = queries.spec_of(testprj)
    with pytest.raises(ProblemsError) as caught:
        service.apply_logframe(testprj, secretariat, spec.without_indicator("STOCK"))
    assert [(p.where, p.message_id) for p in caught.value.errors] == [
        ("indicator STOCK", "%(code)s has reported values: retire it, it cannot be deleted.")]

    service.apply_logframe(testprj, secretariat, spec.with_indicator(replace(spec.indicator("STOCK"), retired=True)),
                           reason="Partners are no longer counted")
    stock = queries.indicator_of(testprj, "STOCK")
    assert stock.is_retired and stock.retire_reason == "Partners are no longer counted"
    assert queries.spec_of(testprj).indicator("STOCK").retired
    assert tx.scalar(select(func.count()).select_from(Value).where(Value.indicator_id == stock.id)) == 4
    service.apply_logframe(testprj, secretariat, spec)
    assert not queries.indicator_of(testprj, "STOCK").is_retired
    assert [e.action for e in events(tx, testprj) if e.entity_key == "TESTPRJ/indicators/STOCK"] == [
        "indicator.retire", "indicator.reinstate"]

    plan = service.apply_logframe(testprj, secretariat, spec.without_indicator("FLAG"))
    assert [(c.action, c.code) for c in plan.changes] == [("delete", "FLAG")]
    assert queries.indicator_of(testprj, "FLAG") is None
    assert events(tx, testprj, "indicator.delete")[0].before["unit"] == "yes_no"


def test_levels_are_deleted_only_when_empty_and_rules_only_switched_off(tx, fresh, user):
    actor = user("impl@fresh.example.org")
    service.apply_logframe(fresh, actor, fresh_spec())
    spec = queries.spec_of(fresh)
    with pytest.raises(ProblemsError) as caught:
        service.apply_logframe(fresh, actor, spec.without_level("1.2"))
    assert ("indicator PLACED", "No level “%(code)s” in this logframe.") in \
        {(p.where, p.message_id) for p in caught.value.errors}
    moved = spec.with_indicator(replace(spec.indicator("PLACED"), level="1.1")).without_level("1.2")
    plan = service.apply_logframe(fresh, actor, replace(moved, rules=()))
    assert [(c.action, c.kind, c.code) for c in plan.changes] == [
        ("update", "indicator", "PLACED"), ("deactivate", "rule", "R1"), ("delete", "level", "1.2")]
    assert tx.scalar(select(ResultLevel).where(ResultLevel.project_id == fresh.id, ResultLevel.code == "1.2")) is None
    rule = tx.scalar(select(ValidationRule).where(ValidationRule.project_id == fresh.id))
    assert rule.code == "R1" and not rule.is_active
    assert queries.spec_of(fresh).rules[0].is_active is False
    assert service.apply_logframe(fresh, actor, queries.spec_of(fresh)).changes == []


def test_level_moves_and_reorders_are_applied(tx, fresh, user):
    actor = user("impl@fresh.example.org")
    service.apply_logframe(fresh, actor, fresh_spec())
    spec = queries.spec_of(fresh)
    reordered = replace(spec, levels=(spec.levels[0], spec.levels[1], spec.levels[3], spec.levels[2]),
                        indicators=(spec.indicators[1], spec.indicators[0], spec.indicators[2]))
    service.apply_logframe(fresh, actor, reordered)
    read = queries.spec_of(fresh)
    assert [lv.code for lv in read.levels] == ["IMP", "1", "1.2", "1.1"]
    assert [i.code for i in read.indicators] == ["PLACED", "SHARE_F", "TRAINED"]
    assert service.apply_logframe(fresh, actor, read).changes == []


# --- permissions, conflicts, dry runs ------------------------------------------------------------------------


def test_implementers_of_the_project_and_the_secretariat_change_a_logframe_others_do_not(tx, user):
    palim = project(tx, "PALIM")
    spec = queries.spec_of(palim)
    changed = spec.with_level(replace(spec.levels[0], statement_en=spec.levels[0].statement_en + " (revised)"))
    for email in (OTHER_IMPLEMENTER, PALIM_DONOR, OTHER_DONOR):
        with pytest.raises(PermissionDenied):
            service.apply_logframe(palim, user(email), changed)
    service.apply_logframe(palim, user(SECRETARIAT), changed)
    assert queries.logframe_of(palim).status is LogframeStatus.APPROVED  # the secretariat's change stands approved
    again = changed.with_level(replace(changed.levels[0], statement_fr=changed.levels[0].statement_fr + " (révisé)"))
    service.apply_logframe(palim, user(PALIM_IMPLEMENTER), again)
    logframe = queries.logframe_of(palim)
    assert logframe.status is LogframeStatus.DRAFT  # an implementer's change awaits approval
    assert [e.after for e in events(tx, palim, "logframe.reopen_draft")] == [{"status": "draft"}]
    (event,) = [e for e in events(tx, palim, "level.update") if e.user_id == user(PALIM_IMPLEMENTER).id]
    assert event.entity_key == f"PALIM/levels/{spec.levels[0].code}" and list(event.after) == ["statement_fr"]


def test_a_stale_version_is_a_conflict_and_nothing_is_written(tx, fresh, user):
    actor = user("impl@fresh.example.org")
    service.apply_logframe(fresh, actor, fresh_spec(), expected_version=0)
    version = queries.logframe_of(fresh).version
    assert version == 1
    spec = queries.spec_of(fresh)
    changed = spec.with_indicator(replace(spec.indicator("PLACED"), name_en="People placed in jobs"))
    with pytest.raises(LogframeConflict) as caught:
        service.apply_logframe(fresh, actor, changed, expected_version=0)
    assert isinstance(caught.value, ConflictError) and caught.value.status == 409
    assert caught.value.params == {"version": 1}
    assert queries.indicator_of(fresh, "PLACED").name_en == "People placed"
    service.apply_logframe(fresh, actor, changed, expected_version=1)
    assert queries.logframe_of(fresh).version == 2


def test_a_dry_run_writes_nothing(tx, fresh, user):
    plan = service.apply_logframe(fresh, user("impl@fresh.example.org"), fresh_spec(), dry_run=True)
    assert len(plan.changes) == 9 and plan.changed
    assert queries.spec_of(fresh) == LogframeSpec() and queries.logframe_of(fresh) is None
    assert events(tx, fresh) == []


def test_the_rules_screen_goes_through_the_same_path(tx, prj, user):
    testprj = project(tx, "TESTPRJ")
    rule = service.add_rule(testprj, user(SECRETARIAT), service.RuleInput("EMP", "<=", "COUNT + 1",
                                                                          message_en="Employed ≤ trained + 1"))
    assert rule.code == "R2" and rule.is_active
    assert [e.action for e in events(tx, testprj) if e.entity_key == "TESTPRJ/rules/R2"] == ["rule.create"]
    with pytest.raises(service.RuleError) as caught:
        service.add_rule(testprj, user(SECRETARIAT), service.RuleInput("EMP +", "<=", "COUNT", message_en="x"))
    assert caught.value.field == "left" and caught.value.params["position"] == 6
    service.deactivate_rule(testprj, user(SECRETARIAT), rule)
    assert not queries.rule_with_code(testprj, "R2").is_active
    assert queries.spec_of(testprj).rules[-1].code == "R2"


# --- lifecycle ---------------------------------------------------------------------------------------------


def test_draft_submitted_returned_approved_and_the_funders_informed(app, tx, fresh, user, monkeypatch):
    mails = []
    monkeypatch.setattr("meapp.mail.send_mail", lambda to, subject, body: mails.append(
        (to, str(get_locale()), subject, body)) and False)
    implementer, secretariat = user("impl@fresh.example.org"), user(SECRETARIAT)
    with pytest.raises(WorkflowError):
        service.submit_logframe(fresh, implementer, None)  # nothing to submit yet
    service.apply_logframe(fresh, implementer, fresh_spec())
    logframe = queries.logframe_of(fresh)
    assert logframe.status is LogframeStatus.DRAFT
    with pytest.raises(PermissionDenied):
        service.approve_logframe(fresh, implementer, logframe.version)
    with pytest.raises(PermissionDenied):
        service.submit_logframe(fresh, user(PALIM_DONOR), logframe.version)
    with pytest.raises(LogframeConflict):
        service.submit_logframe(fresh, implementer, logframe.version + 1)

    service.submit_logframe(fresh, implementer, logframe.version)
    assert logframe.status is LogframeStatus.SUBMITTED and logframe.submitted_by_id == implementer.id
    with pytest.raises(LogframeStateError) as caught:
        service.submit_logframe(fresh, implementer, logframe.version)
    assert caught.value.status == 409 and "already awaits approval" in caught.value.message_id
    with pytest.raises(WorkflowError):
        service.return_logframe(fresh, secretariat, "  ", logframe.version)
    service.return_logframe(fresh, secretariat, "Add a target for 2024Q3", logframe.version)
    assert logframe.status is LogframeStatus.DRAFT and logframe.return_reason == "Add a target for 2024Q3"
    with pytest.raises(LogframeStateError):
        service.return_logframe(fresh, secretariat, "again", logframe.version)

    service.submit_logframe(fresh, implementer, logframe.version)
    tx.commit()  # into the test's transaction: leaving the app context below closes the session
    with app.app_context():  # as in a request or a command: the mail is written in the donor's language
        service.approve_logframe(fresh, secretariat, logframe.version, note="Welcome aboard")
        tx.commit()
    fresh, implementer, secretariat = project(tx, "FRESH"), user("impl@fresh.example.org"), user(SECRETARIAT)
    logframe = queries.logframe_of(fresh)
    assert logframe.status is LogframeStatus.APPROVED and logframe.approved_by_id == secretariat.id
    with pytest.raises(LogframeStateError):
        service.approve_logframe(fresh, secretariat, logframe.version)
    assert [e.action for e in events(tx, fresh) if e.action.startswith("logframe.")] == [
        "logframe.submit", "logframe.return", "logframe.submit", "logframe.approve", "logframe.funders_informed"]
    informed = events(tx, fresh, "logframe.funders_informed")[0]
    assert informed.after == {"funders": ["Fresh funder"], "people": ["donor@fresh.example.org"], "mailed": []}
    assert [(to, locale) for to, locale, _, _ in mails] == [(["donor@fresh.example.org"], "fr")]
    assert "FRESH" in mails[0][2] and "Welcome aboard" in mails[0][3] and "Projet neuf" in mails[0][3]

    # Approved once: from now on a change of targets is a revision with a reason.
    spec = queries.spec_of(fresh)
    retargeted = spec.with_indicator(replace(spec.indicator("PLACED"), target_value=D(70)))
    with pytest.raises(ProblemsError):
        service.apply_logframe(fresh, implementer, retargeted)
    service.apply_logframe(fresh, implementer, retargeted, reason="Fewer employers")
    assert logframe.status is LogframeStatus.DRAFT and logframe.was_approved


def test_the_funders_of_a_demo_project_are_informed_through_their_programmes(tx, user, monkeypatch):
    mails = []
    monkeypatch.setattr("meapp.mail.send_mail", lambda to, subject, body: mails.append(to) or True)
    palim = project(tx, "PALIM")
    spec = queries.spec_of(palim)
    service.apply_logframe(palim, user(PALIM_IMPLEMENTER), spec.with_level(
        replace(spec.levels[0], statement_en=spec.levels[0].statement_en + ".")))
    service.approve_logframe(palim, user(SECRETARIAT), queries.logframe_of(palim).version)
    assert ["donor.eu-dg-home@example.org"] in mails and ["donor.bmz@example.org"] not in mails
    assert "donor.eu-dg-home@example.org" in events(tx, palim, "logframe.funders_informed")[-1].after["mailed"]


def test_revisions_are_unique_per_indicator(tx, prj, user):
    testprj = project(tx, "TESTPRJ")
    spec = queries.spec_of(testprj)
    for number, name in enumerate(("Employed (a)", "Employed (b)"), start=2):
        spec = spec.with_indicator(replace(spec.indicator("EMP"), name_en=name))
        service.apply_logframe(testprj, user(SECRETARIAT), spec, reason=f"revision {number}")
    emp = queries.indicator_of(testprj, "EMP")
    assert emp.revision == 3
    assert [(r.number, r.definition["name_en"], r.reason) for r in queries.revisions_of(emp)] == [
        (1, "Emp", "revision 2"), (2, "Employed (a)", "revision 3")]
    assert tx.scalar(select(func.count()).select_from(IndicatorRevision)
                     .where(IndicatorRevision.indicator_id == emp.id)) == 2
    assert isinstance(emp, Indicator)


def test_the_progress_report_shows_when_targets_were_revised(tx, prj, user):
    from meapp.reports.loader import load_project
    from meapp.reports.model import build_progress_report

    testprj = project(tx, "TESTPRJ")
    spec = queries.spec_of(testprj)
    service.apply_logframe(testprj, user(SECRETARIAT), spec.with_indicator(
        replace(spec.indicator("COUNT"), target_value=D(90))), reason="Fewer places funded")
    day = queries.indicator_of(testprj, "COUNT").target_revised_at.date()
    rows = {row.code: row for section in build_progress_report(load_project(testprj), "en", day).sections
            for row in section.rows}
    assert rows["COUNT"].end_target == f"90 (revised on {day.day}\u00a0{day:%B %Y})"
    assert rows["EMP"].end_target == "—" and rows["COUNT"].raw_end == 90


def test_a_level_moved_to_the_top_of_the_tree_is_moved_not_deleted(tx, user):
    """A level that loses its parent is a root now; it keeps its indicators (it was once deleted as an orphan)."""
    palim = tx.scalar(select(Project).where(Project.code == "PALIM"))
    spec = queries.spec_of(palim)
    child = next(level for level in spec.levels if level.parent is not None and spec.level(level.parent).parent)
    indicators = {i.code for i in spec.indicators if i.level == child.code}
    moved = spec.with_level(replace(child, kind="impact", parent=None), child.code)
    # Its children must still sit deeper than it: an impact level with outcomes under it stays valid.
    service.apply_logframe(palim, user(SECRETARIAT), moved)
    tx.flush()
    level = tx.scalar(select(ResultLevel).where(ResultLevel.project_id == palim.id, ResultLevel.code == child.code))
    assert level is not None and level.parent_id is None
    assert {i.code for i in level.indicators} == indicators
    assert queries.spec_of(palim).level(child.code).parent is None
