"""`flask submissions load|export`: the scripted door into the same service."""
import json

import pytest
from sqlalchemy import func, select

from meapp.submissions.models import AuditEvent, Submission, Value
from tests.factories import make_test_project


@pytest.fixture
def prj(tx):
    made = make_test_project(tx)
    email = made["implementer"].email
    tx.commit()
    return email


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


def test_load_saves_and_exits_0(runner, tx, tmp_path, prj):
    result = load(runner, tmp_path, good(), prj)
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == []
    assert values_of(tx) == 4
    submission = tx.scalar(select(Submission).where(Submission.period == "2024Q1",
                                                    Submission.project.has(code="TESTPRJ")))
    assert submission.narrative_fr == "Chargé depuis TolaData."
    assert tx.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.submission_id == submission.id, AuditEvent.action == "value.create")) == 4


def test_load_dry_run_never_writes(runner, tx, tmp_path, prj):
    result = load(runner, tmp_path, good(), prj, "--dry-run")
    assert result.exit_code == 0
    assert values_of(tx) == 0


def test_errors_block_and_nothing_is_written(runner, tx, tmp_path, prj):
    data = good()
    data["values"][2]["value"] = "17"  # 12 + 17 != 30
    result = load(runner, tmp_path, data, prj)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert findings == [{"code": "disaggregation_sum_mismatch", "severity": "error", "indicator": "COUNT",
                         "categories": {}, "message": "The parts by Sex add up to 29, but the total is 30."}]
    assert values_of(tx) == 0


def test_messages_follow_the_users_language(runner, tx, tmp_path, prj, user):
    user(prj).locale = "fr"
    tx.commit()
    data = good()
    data["values"][3]["value"] = "120"
    result = load(runner, tmp_path, data, prj)
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
    (json.dumps(good(values=[{"indicator": "NOPE", "value": "1"}])), "nothing written"),
    (json.dumps(good(values=[{"indicator": "COUNT", "categories": {"sex": "X"}, "value": "1"}])),
     "nothing written"),
    (json.dumps(good(period="2024Q9")), "is not a period"),
])
def test_bad_files_exit_2(runner, tx, tmp_path, prj, payload, message):
    result = load(runner, tmp_path, payload, prj)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert values_of(tx) == 0


def test_unknown_user_and_forbidden_project_exit_2(runner, tx, tmp_path, prj):
    assert load(runner, tmp_path, good(), "nobody@example.org").exit_code == 2
    result = load(runner, tmp_path, good(), "impl.enabel@example.org")
    assert result.exit_code == 2 and "may not enter values" in result.output


def test_export_json_round_trips_into_load(runner, tx, tmp_path, prj):
    assert load(runner, tmp_path, good(), prj).exit_code == 0
    exported = runner.invoke(args=["submissions", "export", "TESTPRJ", "2024Q1"])
    assert exported.exit_code == 0
    data = json.loads(exported.stdout)
    assert data["status"] == "draft"
    assert {"indicator": "COUNT", "categories": {"sex": "F"}, "value": "12", "comment": ""} in data["values"]
    assert {"indicator": "PCT", "categories": {}, "value": "45.5", "comment": ""} in data["values"]
    data["values"][0]["value"] = "31"
    data["values"][2]["value"] = "19"
    assert load(runner, tmp_path, data, prj).exit_code == 0


def test_export_csv_never_makes_formulas(runner, tx, tmp_path, prj):
    data = good()
    data["values"][0]["comment"] = "=HYPERLINK(\"http://x\")"
    data["values"].append({"indicator": "NOTE", "value": "+cmd"})
    assert load(runner, tmp_path, data, prj).exit_code == 0
    result = runner.invoke(args=["submissions", "export", "TESTPRJ", "2024Q1", "--format", "csv"])
    assert result.exit_code == 0
    import csv
    import io

    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["indicator", "categories", "value", "comment"]
    assert ["COUNT", "sex=F", "12", ""] in rows
    assert ["COUNT", "", "30", "'=HYPERLINK(\"http://x\")"] in rows
    assert ["NOTE", "", "'+cmd", ""] in rows


def test_export_unknown_exits_2(runner, tx, prj):
    assert runner.invoke(args=["submissions", "export", "NOPE", "2024Q1"]).exit_code == 2
    assert runner.invoke(args=["submissions", "export", "TESTPRJ", "2029Q1"]).exit_code == 2
