"""Every route × every kind of user. A new route fails the completeness test until it is listed here."""
import pytest

from tests.app.matrix_base import ALL_SIGNED_IN, USERS, VERSION, expect, same  # noqa: F401
from tests.app.matrix_logframes import ROWS as LOGFRAME_ROWS
from tests.app.matrix_people import ROWS as PEOPLE_ROWS
from tests.app.matrix_projects import ROWS as PROJECT_ROWS

P = "/projects/PALIM/periods"
# (endpoint, method) → (url, form data, expected status per user).
# PALIM demo: 2020Q2 approved, 2020Q3 submitted, 2020Q4 draft.
MATRIX = {
    ("static", "GET"): ("/static/app.css", None, same(200, 200)),
    ("main.home", "GET"): ("/", None, same(302, 200)),
    ("main.healthz", "GET"): ("/healthz", None, same(200, 200)),
    ("auth.login", "GET"): ("/login", None, same(200, 302)),
    ("auth.login", "POST"): ("/login", {"email": "x@example.org", "password": "wrong-password"}, same(401, 302)),
    ("auth.logout", "POST"): ("/logout", None, same(302, 302)),
    ("auth.profile", "GET"): ("/profile", None, same(302, 200)),
    ("auth.profile", "POST"): ("/profile", {"name": "", "locale": "en"}, same(302, 400)),
    ("auth.set_language", "POST"): ("/language/fr", None, same(302, 302)),
    ("projects.index", "GET"): ("/projects/", None, same(302, 200)),
    ("results.project", "GET"): ("/projects/PALIM", None, expect(302, 200, 404, 200, 404, 200)),
    ("submissions.show", "GET"): (f"{P}/2020Q4", None, expect(302, 200, 404, 200, 404, 200)),
    ("submissions.save", "POST"): (f"{P}/2020Q4/save", {"v|EMPLOYED|": "6", "o|EMPLOYED|": "5",
                                                       "version": VERSION},
                                   expect(302, 302, 404, 403, 404, 302)),
    ("submissions.submit", "POST"): (f"{P}/2020Q4/submit", {"version": VERSION}, expect(302, 302, 404, 403, 404, 302)),
    ("submissions.approve", "POST"): (f"{P}/2020Q3/approve", {"version": VERSION}, expect(302, 403, 404, 302, 404, 302)),
    ("submissions.return_", "POST"): (f"{P}/2020Q3/return", {"reason": "Attach the sheets", "version": VERSION},
                                      expect(302, 403, 404, 302, 404, 302)),
    ("submissions.reopen", "POST"): (f"{P}/2020Q2/reopen", {"reason": "Typo in EMPLOYED", "version": VERSION},
                                     expect(302, 403, 404, 403, 404, 302)),
    ("submissions.upload_evidence", "POST"): (f"{P}/2020Q4/evidence", None, expect(302, 400, 404, 403, 404, 400)),
    ("submissions.download_evidence", "GET"): (f"{P}/2020Q4/evidence/999999", None,
                                               expect(302, 404, 404, 404, 404, 404)),
    ("submissions.delete_evidence", "POST"): (f"{P}/2020Q4/evidence/999999/delete", None,
                                              expect(302, 404, 404, 403, 404, 404)),
    ("submissions.history", "GET"): (f"{P}/2020Q3/history?indicator=EMPLOYED", None,
                                     expect(302, 200, 404, 200, 404, 200)),
    ("logframes.index", "GET"): ("/projects/PALIM/rules", None, expect(302, 403, 404, 403, 404, 200)),
    ("logframes.create", "POST"): ("/projects/PALIM/rules", {"left": "EMPLOYED", "operator": "<=",
                                                            "right": "TRAINED", "severity": "error",
                                                            "missing_value_strategy": "skip_if_any",
                                                            "message_en": "Employed ≤ trained"},
                                   expect(302, 403, 404, 403, 404, 302)),
    ("logframes.deactivate", "POST"): ("/projects/PALIM/rules/999999/deactivate", None,
                                       expect(302, 403, 404, 403, 404, 404)),
    ("periods.index", "GET"): ("/periods", None, expect(302, 403, 403, 403, 403, 200)),
    ("periods.index", "POST"): ("/periods", {"code": "2031Q1", "status": "open"},
                                expect(302, 403, 403, 403, 403, 302)),
    ("periods.table", "GET"): ("/completeness", None, expect(302, 403, 403, 403, 403, 200)),
    ("reports.progress", "GET"): ("/projects/PALIM/reports/progress?lang=fr", None,
                                  expect(302, 200, 404, 200, 404, 200)),
    ("reports.iptt", "GET"): ("/projects/PALIM/reports/iptt?lang=en", None, expect(302, 200, 404, 200, 404, 200)),
    ("reports.portfolio", "GET"): ("/portfolio?lang=fr&format=xlsx", None, expect(302, 403, 403, 200, 200, 404)),
    ("compendium.index", "GET"): ("/compendium/", None, same(302, 200)),
    ("compendium.create", "POST"): ("/compendium/", {"key": "annex-2031", "title_en": "Annex"},
                                    expect(302, 403, 403, 403, 403, 302)),
    ("compendium.show", "GET"): ("/compendium/gfmd-2020", None, same(302, 200)),
    ("compendium.translations", "GET"): ("/compendium/gfmd-2020/translations", None,
                                         expect(302, 403, 403, 403, 403, 200)),
    ("reports.annex", "GET"): ("/compendium/gfmd-2020/download?lang=fr&format=xlsx", None, same(302, 200)),
    ("compendium.status", "POST"): ("/compendium/gfmd-2020/status", {"status": "draft"},
                                    expect(302, 403, 403, 403, 403, 302)),
    ("compendium.new_practice", "GET"): ("/compendium/gfmd-2020/practices/new", None,
                                         expect(302, 403, 403, 403, 403, 200)),
    ("compendium.new_practice", "POST"): ("/compendium/gfmd-2020/practices/new", {"actor": ""},
                                          expect(302, 403, 403, 403, 403, 400)),
    ("compendium.edit_practice", "GET"): ("/compendium/gfmd-2020/practices/icmpd-palim/edit", None,
                                          expect(302, 403, 403, 403, 403, 200)),
    ("compendium.edit_practice", "POST"): ("/compendium/gfmd-2020/practices/icmpd-palim/edit", {"actor": ""},
                                           expect(302, 403, 403, 403, 403, 400)),
    ("compendium.move", "POST"): ("/compendium/gfmd-2020/practices/icmpd-palim/move", {"direction": "down"},
                                  expect(302, 403, 403, 403, 403, 302)),
}
for _rows in (PEOPLE_ROWS, PROJECT_ROWS, LOGFRAME_ROWS):
    assert not set(_rows) & set(MATRIX), set(_rows) & set(MATRIX)
    MATRIX.update(_rows)


def test_every_route_is_in_the_matrix(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX), "add new routes to MATRIX with the expected status for each user"


CASES = [(route, who) for route in MATRIX for who in USERS]


@pytest.mark.parametrize("route, who", CASES, ids=[f"{e}-{m}-{w}" for (e, m), w in CASES])
def test_route_permissions(client, login, tx, route, who):
    url, data, expected = MATRIX[route]
    if data and data.get("version") is VERSION:  # a submission's version
        from sqlalchemy import select

        from meapp.submissions.models import Submission

        period = url.split("/periods/")[1].split("/")[0]
        data = {**data, "version": tx.scalar(select(Submission.version).where(
            Submission.period == period, Submission.project.has(code="PALIM")))}
    if data and any(callable(v) for v in data.values()):  # values read when the case runs (ids, versions)
        data = {k: (v(tx) if callable(v) else v) for k, v in data.items()}
    if callable(url):
        url = url(tx)
    if USERS[who]:
        login(USERS[who])
    response = client.open(url, method=route[1], data=data)
    assert response.status_code == expected[who], f"{route[1]} {url} as {who}"


@pytest.mark.parametrize("who, sees_palim, sees_kosovo", [
    ("implementer", True, False),
    ("other_implementer", False, False),
    ("funding_donor", True, False),
    ("other_donor", False, True),
    ("secretariat", True, True),
])
def test_project_list_shows_only_readable_projects(client, login, who, sees_palim, sees_kosovo):
    login(USERS[who])
    html = client.get("/projects/").get_data(as_text=True)
    assert ('href="/projects/PALIM"' in html) is sees_palim
    assert ('href="/projects/KOSOVO-SPM"' in html) is sees_kosovo


def test_unknown_project_is_404_not_500(client, login):
    login(USERS["secretariat"])
    assert client.get("/projects/NOPE").status_code == 404
    assert client.get("/projects/%00%27").status_code == 400  # refused before any view: a NUL in the path


def test_project_code_is_case_insensitive(client, login):
    login(USERS["implementer"])
    assert client.get("/projects/palim").status_code == 200


def test_inactive_user_is_signed_out(client, login, user, tx):
    login(USERS["implementer"])
    user(USERS["implementer"]).is_active_account = False
    tx.commit()
    assert client.get("/projects/PALIM").status_code == 302
