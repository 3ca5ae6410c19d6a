"""Every route × every kind of user. A new route fails the completeness test until it is listed here."""
import pytest

# Demo accounts: PALIM is led by "Belgium", funded by DG HOME; BMZ funds only KOSOVO-SPM; IOM implements others.
USERS = {
    "anonymous": None,
    "implementer": "impl.belgium@example.org",
    "other_implementer": "impl.iom@example.org",
    "funding_donor": "donor.eu-dg-home@example.org",
    "other_donor": "donor.bmz@example.org",
    "secretariat": "secretariat@example.org",
}
ALL_SIGNED_IN = {k: None for k in USERS if k != "anonymous"}


def expect(anonymous, implementer, other_implementer, funding_donor, other_donor, secretariat):
    return dict(anonymous=anonymous, implementer=implementer, other_implementer=other_implementer,
                funding_donor=funding_donor, other_donor=other_donor, secretariat=secretariat)


def same(anonymous, signed_in):
    return expect(anonymous, *([signed_in] * 5))


# endpoint → (method, url, expected status per user)
MATRIX = {
    "static": ("GET", "/static/app.css", same(200, 200)),
    "main.home": ("GET", "/", same(302, 200)),
    "main.healthz": ("GET", "/healthz", same(200, 200)),
    "auth.login": ("GET", "/login", same(200, 302)),
    "auth.logout": ("POST", "/logout", same(302, 302)),
    "auth.profile": ("GET", "/profile", same(302, 200)),
    "auth.set_language": ("POST", "/language/fr", same(302, 302)),
    "projects.index": ("GET", "/projects/", same(302, 200)),
    "projects.show": ("GET", "/projects/PALIM", expect(302, 200, 404, 200, 404, 200)),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(MATRIX), "add new routes to MATRIX with the expected status for each user"


CASES = [(endpoint, who) for endpoint in MATRIX for who in USERS]


@pytest.mark.parametrize("endpoint, who", CASES, ids=[f"{e}-{w}" for e, w in CASES])
def test_route_permissions(client, login, endpoint, who):
    method, url, expected = MATRIX[endpoint]
    if USERS[who]:
        login(USERS[who])
    response = client.open(url, method=method)
    assert response.status_code == expected[who], f"{method} {url} as {who}"


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
    assert client.get("/projects/%00%27").status_code == 404


def test_project_code_is_case_insensitive(client, login):
    login(USERS["implementer"])
    assert client.get("/projects/palim").status_code == 200


def test_inactive_user_is_signed_out(client, login, user, tx):
    login(USERS["implementer"])
    user(USERS["implementer"]).is_active_account = False
    tx.commit()
    assert client.get("/projects/PALIM").status_code == 302
