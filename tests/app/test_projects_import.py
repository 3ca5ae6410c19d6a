"""`flask projects import|export`: a programme set up from one file, all or nothing, idempotent."""
import copy

import pytest
import yaml
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.auth.models import Organisation
from meapp.logframes.models import Indicator, PeriodTarget, ValidationRule
from meapp.projects.models import Project, Sector
from meapp.seed.demo import PROJECTS_FILE
from tests.unit.test_projects_yaml import MINIMAL

SECRETARIAT = "secretariat@example.org"


def events(tx) -> int:
    return tx.scalar(select(func.count()).select_from(AuditEvent))


def write(tmp_path, data, name="programme.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def run(runner, *args):
    return runner.invoke(args=["projects", *args])


def new_programme():
    data = copy.deepcopy(MINIMAL)
    data["organisations"][0]["name"] = "Enabel (test)"
    data["projects"][0]["lead"] = "Enabel (test)"
    data["sectors"][0]["key"] = "ict-test"
    data["projects"][0]["sectors"] = ["ict-test"]
    return data


def test_the_demo_file_is_what_the_demo_holds(runner, tx):
    before = events(tx)
    result = run(runner, "import", str(PROJECTS_FILE), "--as", SECRETARIAT)
    assert result.exit_code == 0, result.output
    assert "Nothing to change" in result.output
    assert events(tx) == before


def test_export_then_import_changes_nothing(runner, tx, tmp_path):
    out = tmp_path / "all.yaml"
    result = run(runner, "export", "-o", str(out), "--as", SECRETARIAT)
    assert result.exit_code == 0, result.output
    assert "22 projects written" in result.output
    before = events(tx)
    result = run(runner, "import", str(out), "--as", SECRETARIAT)
    assert result.exit_code == 0, result.output
    assert "Nothing to change" in result.output
    assert events(tx) == before


def test_a_new_programme_is_created_then_left_alone(runner, tx, tmp_path):
    path = write(tmp_path, new_programme())
    result = run(runner, "import", path, "--as", SECRETARIAT)
    assert result.exit_code == 0, result.output
    project = tx.scalar(select(Project).where(Project.code == "NEW-1"))
    assert project.lead_organisation.name == "Enabel (test)"
    assert [o.name for o in project.funders] == ["DG HOME"]
    assert tx.scalar(select(Organisation).where(Organisation.name == "DG HOME")).parent.name == "EU"
    assert tx.scalar(select(Sector).where(Sector.key == "ict-test")).name_fr == "TIC"
    codes = set(tx.scalars(select(Indicator.code).where(Indicator.project_id == project.id)))
    assert codes == {"EMP", "TRN"}
    assert tx.scalar(select(func.count()).select_from(PeriodTarget).join(Indicator)
                     .where(Indicator.project_id == project.id)) == 3
    assert tx.scalar(select(ValidationRule.left_expression).where(ValidationRule.project_id == project.id)) == "EMP"
    before = events(tx)
    again = run(runner, "import", path, "--as", SECRETARIAT)
    assert again.exit_code == 0 and "Nothing to change" in again.output, again.output
    assert events(tx) == before


def test_a_dry_run_says_what_would_change_and_writes_nothing(runner, tx, tmp_path):
    before = events(tx)
    result = run(runner, "import", write(tmp_path, new_programme()), "--as", SECRETARIAT, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Projects created: NEW-1" in result.output
    assert "create indicator EMP" in result.output
    assert "Dry run" in result.output
    assert tx.scalar(select(Project).where(Project.code == "NEW-1")) is None
    assert tx.scalar(select(Organisation).where(Organisation.name == "Enabel (test)")) is None
    assert events(tx) == before


@pytest.mark.parametrize("change, where", [
    (lambda d: d["projects"][0].update(lead="Nobody"), "projects[0].lead"),
    (lambda d: d["projects"][0].update(funders=["DG HOME", "Nobody"]), "projects[0].funders[1]"),
    (lambda d: d["projects"][0].update(countries_origin=["QQ"]), "projects[0].countries_origin"),
    (lambda d: d["projects"][0].update(end_date="2023-01-01"), "projects[0]."),
    (lambda d: d["organisations"][0].update(country="Belgium"), "organisations[0].country"),
    (lambda d: d["organisations"][1].update(parent="Nobody"), "organisations[1].parent"),
    (lambda d: d["projects"][0]["logframe"]["levels"][0]["children"][0].update(level="impact"),
     "projects[0].logframe.levels[0].children[0]"),
    (lambda d: d["projects"][0]["logframe"]["levels"][0]["children"][0]["indicators"][0].update(unit="litres"),
     "projects[0].logframe.levels[0].children[0].indicators[0].unit"),
    (lambda d: d["projects"][0]["logframe"]["rules"][0].update(right="NOPE"),
     "projects[0].logframe.rules[0].right"),
])
def test_problems_name_their_place_and_nothing_is_written(runner, tx, tmp_path, change, where):
    data = new_programme()
    change(data)
    before = events(tx)
    result = run(runner, "import", write(tmp_path, data), "--as", SECRETARIAT)
    assert result.exit_code == 2, result.output
    assert where in result.output, result.output
    assert "Nothing was written" in result.output
    # The organisations and the sector were valid, and were not kept either: all or nothing.
    assert tx.scalar(select(Organisation).where(Organisation.name == "Enabel (test)")) is None
    assert tx.scalar(select(Sector).where(Sector.key == "ict-test")) is None
    assert events(tx) == before


def test_messages_in_french(runner, tx, tmp_path):
    data = new_programme()
    data["projects"][0]["lead"] = "Personne"
    result = run(runner, "import", write(tmp_path, data), "--as", SECRETARIAT, "--lang", "fr")
    assert result.exit_code == 2
    assert "Erreur\u00a0: projects[0].lead\u00a0: Organisation «\u00a0Personne\u00a0» inconnue." in result.output
    assert "Rien n’a été écrit\u00a0:" in result.output


def test_only_the_secretariat_imports(runner, tx, tmp_path):
    result = run(runner, "import", write(tmp_path, new_programme()), "--as", "impl.belgium@example.org")
    assert result.exit_code == 2
    assert tx.scalar(select(Project).where(Project.code == "NEW-1")) is None


def test_a_broken_file_is_refused_with_its_line(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("projects:\n  - code: [unclosed\n", encoding="utf-8")
    result = run(runner, "import", str(path), "--as", SECRETARIAT)
    assert result.exit_code == 2
    assert "line " in result.output


def test_redefining_an_indicator_with_values_needs_a_reason(runner, tx, tmp_path):
    out = tmp_path / "palim.yaml"
    assert run(runner, "export", "PALIM", "-o", str(out), "--as", SECRETARIAT).exit_code == 0
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    indicator = data["projects"][0]["logframe"]["levels"][0]["children"][0]["indicators"][2]
    assert indicator["code"] == "EMPLOYED"
    indicator["name_en"] = "Graduates employed within six months (any country)"
    path = write(tmp_path, data, "edited.yaml")
    refused = run(runner, "import", path, "--as", SECRETARIAT)
    assert refused.exit_code == 2 and "reason" in refused.output.lower(), refused.output
    done = run(runner, "import", path, "--as", SECRETARIAT, "--reason", "Employment abroad counted too")
    assert done.exit_code == 0, done.output
    assert "revise indicator EMPLOYED" in done.output
    palim = select(Project.id).where(Project.code == "PALIM").scalar_subquery()
    employed = tx.scalar(select(Indicator).where(Indicator.code == "EMPLOYED", Indicator.project_id == palim))
    assert employed.revision == 2
