"""Reading and writing a projects file: every problem named by its path; write → read is the identity."""
import copy
from decimal import Decimal

import pytest
import yaml

from meapp.imports.projects_yaml import dump_projects_file, parse_projects_file
from meapp.seed.facts import DATA_DIR

DEMO = (DATA_DIR / "demo_projects.yaml").read_text(encoding="utf-8")

MINIMAL = {
    "format": "meapp-projects/1",
    "organisations": [{"name": "Enabel", "kind": "agency", "country": "BE"},
                      {"name": "DG HOME", "name_fr": "DG HOME (fr)", "kind": "donor", "parent": "EU"},
                      {"name": "EU", "kind": "donor"}],
    "sectors": [{"key": "ict", "name_en": "ICT", "name_fr": "TIC"}],
    "projects": [{
        "code": "NEW-1", "title_en": "New", "title_fr": "Nouveau", "lead": "Enabel", "funders": ["DG HOME"],
        "countries_origin": ["MA"], "countries_destination": ["BE"], "start_date": "2024-01-01",
        "end_date": "2025-12-31", "sectors": ["ict"], "gcm_objectives": [5], "sdg_targets": ["10.7"],
        "logframe": {
            "levels": [{"code": "IMP", "level": "impact", "statement_en": "Impact", "statement_fr": "Impact",
                        "children": [{"code": "1", "level": "outcome", "statement_en": "Jobs",
                                      "statement_fr": "Emplois", "indicators": [
                                          {"code": "EMP", "name_en": "Employed", "name_fr": "En emploi",
                                           "unit": "number", "target": 40, "baseline": 0, "decimals": 1,
                                           "disaggregations": ["sex"],
                                           "targets": {"2024Q1": 5, "2024Q2": 5.5}},
                                          {"code": "TRN", "name_en": "Trained", "name_fr": "Formés",
                                           "disaggregations": ["sex"],
                                           "targets": [{"period": "2024Q1", "combination": "sex=F", "value": 3}]},
                                      ]}]}],
            "rules": [{"code": "R1", "left": "EMP", "operator": "<=", "right": "TRN", "message_en": "m",
                       "message_fr": "m"}],
        },
    }],
}


def parse(data):
    return parse_projects_file(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_the_demo_file_reads_without_a_problem():
    parsed, problems = parse_projects_file(DEMO)
    assert problems == []
    assert len(parsed.projects) == 22
    assert sum(len(p.logframe.indicators) for p in parsed.projects) > 100
    assert all(p.demo for p in parsed.projects)


def test_a_minimal_file_reads_into_specs_with_their_places():
    parsed, problems = parse(MINIMAL)
    assert problems == []
    project = parsed.projects[0]
    assert [level.code for level in project.logframe.levels] == ["IMP", "1"]
    assert project.logframe.levels[1].parent == "IMP"
    emp = project.logframe.indicator("EMP")
    assert emp.level == "1" and emp.target_value == Decimal(40) and emp.disaggregations == ("sex",)
    assert emp.where["unit"] == "projects[0].logframe.levels[0].children[0].indicators[0].unit"
    targets = {(t.indicator, t.period, t.combination): t.value for t in project.logframe.targets}
    assert targets == {("EMP", "2024Q1", ""): Decimal(5), ("EMP", "2024Q2", ""): Decimal("5.5"),
                       ("TRN", "2024Q1", "sex=F"): Decimal(3)}
    assert project.logframe.rules[0].where["left"] == "projects[0].logframe.rules[0].left"


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


INDICATOR = ("projects", 0, "logframe", "levels", 0, "children", 0, "indicators", 0)


@pytest.mark.parametrize("change, where, words", [
    (_set(("projects", 0, "titel_en"), "x"), "projects[0].titel_en", "Unknown key"),
    (_set(("projects", 0, "code"), None), "projects[0].code", "required"),
    (_set(("projects", 0, "start_date"), "2024-13-01"), "projects[0].start_date", "not a date"),
    (_set(("projects", 0, "funders"), "DG HOME"), "projects[0].funders", "Expected a list"),
    (_set(("projects", 0, "gcm_objectives"), ["five"]), "projects[0].gcm_objectives[0]", "whole number"),
    (_set(("projects", 0, "demo"), "yes please"), "projects[0].demo", "true or false"),
    (_set(INDICATOR + ("target",), "forty"), "projects[0].logframe.levels[0].children[0].indicators[0].target",
     "not a number"),
    (_set(INDICATOR + ("target",), "NaN"), "projects[0].logframe.levels[0].children[0].indicators[0].target",
     "not a number"),
    (_set(INDICATOR + ("decimals",), 1.5), "projects[0].logframe.levels[0].children[0].indicators[0].decimals",
     "whole number"),
    (_set(INDICATOR + ("targets",), {"2024Q1": None}),
     "projects[0].logframe.levels[0].children[0].indicators[0].targets.2024Q1", "required"),
    (_set(("projects", 0, "logframe", "rules", 0, "right"), ""), "projects[0].logframe.rules[0].right", "required"),
    (_set(("organisations", 1, "name"), "enabel"), "organisations[1].name", "Already given at organisations[0]"),
    (_set(("format",), "other/2"), "format", "Unknown format"),
    (lambda data: data.update(projects="x"), "projects", "Expected a list"),
])
def test_every_problem_names_its_place(change, where, words):
    data = copy.deepcopy(MINIMAL)
    change(data)
    parsed, problems = parse(data)
    assert parsed is None
    assert any(p.where == where and words in p.text(lambda m, **kw: m % kw if kw else m) for p in problems), problems


def test_broken_yaml_names_the_line():
    parsed, problems = parse_projects_file("projects:\n  - code: [unclosed\n")
    assert parsed is None and problems[0].where.startswith("line ")


def test_every_problem_is_reported_at_once():
    data = copy.deepcopy(MINIMAL)
    _set(("projects", 0, "code"), None)(data)
    _set(INDICATOR + ("target",), "forty")(data)
    _, problems = parse(data)
    assert len(problems) == 2


@pytest.mark.parametrize("text", [DEMO, yaml.safe_dump(MINIMAL, allow_unicode=True)])
def test_write_then_read_is_the_identity(text):
    parsed, _ = parse_projects_file(text)
    again, problems = parse_projects_file(dump_projects_file(parsed))
    assert problems == []
    assert again == parsed


def test_text_that_looks_like_yaml_stays_text():
    data = copy.deepcopy(MINIMAL)
    data["projects"][0]["title_fr"] = "yes"
    data["projects"][0]["summary_en"] = "=SUM(A1) # not a comment: «quoted» ‘x’\nsecond line"
    parsed, _ = parse(data)
    again, _ = parse_projects_file(dump_projects_file(parsed))
    assert again.projects[0].title_fr == "yes"
    assert again.projects[0].summary_en == data["projects"][0]["summary_en"]


def test_an_impossible_date_written_plainly_is_a_problem_at_its_place():
    """Unquoted, 2024-13-01 looks like a YAML date: it must be reported where it is, never raise."""
    parsed, problems = parse_projects_file("projects:\n  - code: NEW-2\n    start_date: 2024-13-01\n")
    assert parsed is None
    assert [p.where for p in problems] == ["projects[0].start_date"]
    parsed, problems = parse_projects_file("projects:\n  - code: NEW-2\n    start_date: 2024-01-31\n")
    assert problems == [] and str(parsed.projects[0].start_date) == "2024-01-31"
