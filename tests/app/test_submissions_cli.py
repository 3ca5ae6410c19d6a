"""`flask submissions load|export`: the scripted door into the same service."""
import json

import pytest
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.submissions.models import Submission, Value


@pytest.fixture
def email(prj):
    return prj.implementer

def load(runner, tmp_path, payload, email, *extra):
    path = tmp_path / "load.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload), encoding="utf-8")
    return runner.invoke(args=["submissions", "load", str(path), "--as", email, *extra])


def good(**changes):
    data = {"project": "TESTPRJ", "period": "2024Q1", "values": [
        {"indicator": "COUNT", "value": "30", "comment": "from TolaData"},
        {"indicator": "COUNT", "categories": {"sex": "F"}, "value": 12},
        {"indicator": "COUNT", "categories": {"sex": "M"}, "value": "18"},
        {"indicator": "PCT", "value": 45.5},
    ], "narrative": {"en": "Loaded from TolaData.", "fr": "Chargé depuis TolaData."}}
    data.update(changes)
    return data


def values_of(tx):
    return tx.scalar(select(func.count()).select_from(Value).join(Submission)
                     .where(Submission.period == "2024Q1", Submission.project.has(code="TESTPRJ")))


def test_load_saves_and_exits_0(runner, tx, tmp_path, email):
    result = load(runner, tmp_path, good(), email)
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == []
    assert values_of(tx) == 4
    submission = tx.scalar(select(Submission).where(Submission.period == "2024Q1",
                                                    Submission.project.has(code="TESTPRJ")))
    assert submission.narrative_fr == "Chargé depuis TolaData."
    assert tx.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.submission_id == submission.id, AuditEvent.action == "value.create")) == 4


def test_load_dry_run_never_writes(runner, tx, tmp_path, email):
    result = load(runner, tmp_path, good(), email, "--dry-run")
    assert result.exit_code == 0
    assert values_of(tx) == 0


def test_errors_block_and_nothing_is_written(runner, tx, tmp_path, email):
    data = good()
    data["values"][2]["value"] = "17"  # 12 + 17 != 30
    result = load(runner, tmp_path, data, email)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert findings == [{"code": "disaggregation_sum_mismatch", "severity": "error", "indicator": "COUNT",
                         "categories": {}, "message": "The parts by Sex add up to 29, but the total is 30."}]
    assert values_of(tx) == 0


def test_messages_follow_the_users_language(runner, tx, tmp_path, email, user):
    user(email).locale = "fr"
    tx.commit()
    data = good()
    data["values"][3]["value"] = "120"
    result = load(runner, tmp_path, data, email)
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["message"] == \
        "Un pourcentage doit être compris entre 0 et 100, et non valoir 120."


@pytest.mark.parametrize("payload, message", [
    ("{not json", "not valid JSON"),
    ("[]", "one JSON object"),
    (json.dumps({"period": "2024Q1"}), '"project" must be a non-empty string'),
    (json.dumps(good(values=[{"indicator": "COUNT", "value": True}])), "values[0].value must be"),
    (json.dumps(good(values=[{"indicator": "COUNT", "categories": ["F"], "value": "1"}])), "values[0].categories"),
    (json.dumps(good(values=[{"indicator": "COUNT", "value": "1"}, {"indicator": "COUNT", "value": "2"}])),
     "the same value is given twice"),
    (json.dumps(good(project="NOPE")), "unknown project: NOPE"),
    (json.dumps(good(values=[{"indicator": "NOPE", "value": "1"}])), "Nothing was saved"),
    (json.dumps(good(values=[{"indicator": "COUNT", "categories": {"sex": "X"}, "value": "1"}])),
     "Nothing was saved"),
    (json.dumps(good(period="2024Q9")), "is not a period"),
])
def test_bad_files_exit_2(runner, tx, tmp_path, email, payload, message):
    result = load(runner, tmp_path, payload, email)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert values_of(tx) == 0


def test_unknown_user_and_forbidden_project_exit_2(runner, tx, tmp_path, email):
    assert load(runner, tmp_path, good(), "nobody@example.org").exit_code == 2
    result = load(runner, tmp_path, good(), "impl.enabel@example.org")
    assert result.exit_code == 2 and "may not enter values" in result.output


def test_export_json_round_trips_into_load(runner, tx, tmp_path, email):
    assert load(runner, tmp_path, good(), email).exit_code == 0
    exported = runner.invoke(args=["submissions", "export", "TESTPRJ", "2024Q1"])
    assert exported.exit_code == 0
    data = json.loads(exported.stdout)
    assert data["status"] == "draft"
    assert {"indicator": "COUNT", "categories": {"sex": "F"}, "value": "12", "comment": ""} in data["values"]
    assert {"indicator": "PCT", "categories": {}, "value": "45.5", "comment": ""} in data["values"]
    data["values"][0]["value"] = "31"
    data["values"][2]["value"] = "19"
    assert load(runner, tmp_path, data, email).exit_code == 0


def test_export_csv_never_makes_formulas(runner, tx, tmp_path, email):
    data = good()
    data["values"][0]["comment"] = "=HYPERLINK(\"http://x\")"
    data["values"].append({"indicator": "NOTE", "value": "+cmd"})
    assert load(runner, tmp_path, data, email).exit_code == 0
    result = runner.invoke(args=["submissions", "export", "TESTPRJ", "2024Q1", "--format", "csv"])
    assert result.exit_code == 0
    import csv
    import io

    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["indicator", "categories", "value", "comment"]
    assert ["COUNT", "sex=F", "12", ""] in rows
    assert ["COUNT", "", "30", "'=HYPERLINK(\"http://x\")"] in rows
    assert ["NOTE", "", "'+cmd", ""] in rows


def test_export_unknown_exits_2(runner, tx, email):
    assert runner.invoke(args=["submissions", "export", "NOPE", "2024Q1"]).exit_code == 2
    assert runner.invoke(args=["submissions", "export", "TESTPRJ", "2029Q1"]).exit_code == 2


HOSTILE = [
    ('{"project": "TESTPRJ", "period": "2024Q1", "values": [{"indicator": "EMP", "value": ' + "9" * 5000 + "}]}",
     "values[0].value is not a number meapp can hold"),
    ('{"project": "TESTPRJ", "period": "2024Q1", "values": [{"indicator": "EMP", "value": 1e999999999}]}',
     "values[0].value is not a number meapp can hold"),
    ('{"project": "TESTPRJ", "period": "2024Q1", "values": [{"indicator": "EMP", "value": NaN}]}', "NaN"),
    ("[" * 100_000 + "]" * 100_000, "nested more than 32 levels deep"),
    (json.dumps(good(values=[{"indicator": "NOTE", "value": "\ud800"}])), "invisible control characters"),
    (json.dumps(good(values=[{"indicator": "NOTE", "value": "a\x00b"}])), "invisible control characters"),
    (json.dumps(good(values=[{"indicator": "EMP\x00", "value": "1"}])), "invisible control characters"),
    (json.dumps(good(values=[{"indicator": "EMP", "value": "1", "comment": "x" * 5_000_000}])),
     "may hold at most 2000 characters"),
    (json.dumps(good(values=[{"indicator": "EMP", "value": "1", "comment": "bell\x07"}])),
     "invisible control characters"),
    (json.dumps(good(narrative={"en": "esc\x1b[31m"})), "The English narrative holds invisible control characters"),
    (json.dumps(good(narrative={"fr": "x" * 20001})), "The French narrative may hold at most 20000 characters"),
    (json.dumps(good(project="TEST\x00PRJ")), '"project" holds control characters'),
    (json.dumps(good(period="2099Q1")), "outside the project"),
    (json.dumps(good(period="1900Q1")), "outside the project"),
]


@pytest.mark.parametrize("payload, message", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_files_exit_2_with_a_message_not_a_traceback(runner, tx, tmp_path, email, payload, message):
    result = load(runner, tmp_path, payload, email)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert message in result.output
    assert values_of(tx) == 0


def test_typed_exponents_are_not_numbers(runner, tx, tmp_path, email):
    data = good()
    data["values"].append({"indicator": "EMP", "value": "1e5"})
    result = load(runner, tmp_path, data, email)
    assert result.exit_code == 1
    assert "“1e5” is not a number." in result.output
    assert values_of(tx) == 0


def test_a_closed_period_blocks_the_load_and_says_why(runner, tx, tmp_path, email):
    from meapp.submissions.models import ReportingPeriod

    tx.scalar(select(ReportingPeriod).where(ReportingPeriod.code == "2024Q1")).status = "closed"
    tx.commit()
    before = tx.scalar(select(func.count()).select_from(AuditEvent))
    result = load(runner, tmp_path, good(), email)
    assert result.exit_code == 1
    assert "is closed: only the secretariat can reopen it" in result.output
    assert values_of(tx) == 0
    assert tx.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_an_approved_period_blocks_the_load(runner, tx, tmp_path, email):
    result = load(runner, tmp_path, good(period="2023Q4", values=[{"indicator": "EMP", "value": "1"}]), email)
    assert result.exit_code == 1
    assert "already approved" in result.output


def test_many_duplicates_are_listed_briefly(runner, tx, tmp_path, email):
    values = [{"indicator": "EMP", "categories": {"n": str(k)}, "value": "1"} for k in range(20_000)] * 2
    result = load(runner, tmp_path, good(values=values), email)
    assert result.exit_code == 2
    assert "the same value is given twice" in result.output and "and 19980 more" in result.output
