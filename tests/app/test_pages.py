"""Every page renders in English and French; the French pages have no English UI text left."""
import html as html_module
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.app.test_permissions import USERS

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    ("anonymous", "/login"),
    ("implementer", "/"),
    ("funding_donor", "/"),
    ("secretariat", "/"),
    ("implementer", "/profile"),
    ("implementer", "/projects/"),
    ("secretariat", "/projects/?country=MA"),
    ("implementer", "/projects/PALIM"),
    ("secretariat", "/projects/SAMI-NP"),
    ("secretariat", "/projects/NOPE", 404),
    ("implementer", "/projects/PALIM/periods/2020Q4"),
    ("funding_donor", "/projects/PALIM/periods/2020Q3"),
    ("secretariat", "/projects/PALIM/periods/2020Q2"),
    ("implementer", "/projects/PALIM/periods/2020Q3/history?indicator=EMPLOYED"),
    ("secretariat", "/projects/PALIM/rules"),
    ("secretariat", "/periods"),
    ("secretariat", "/completeness?from=2020Q1&to=2020Q4"),
    ("funding_donor", "/compendium/"),
    ("secretariat", "/compendium/"),
    ("secretariat", "/compendium/gfmd-2020"),
    ("secretariat", "/compendium/gfmd-2020/translations"),
    ("secretariat", "/compendium/gfmd-2020/practices/icmpd-palim/edit"),
    ("secretariat", "/compendium/gfmd-2020/practices/new"),
    ("secretariat", "/projects/PALIM/logframe"),
    ("implementer", "/projects/PALIM/logframe"),
    ("funding_donor", "/projects/PALIM/logframe/indicators/EMPLOYED"),
    ("implementer", "/projects/PALIM/logframe/indicators/EMPLOYED/edit"),
    ("implementer", "/projects/PALIM/logframe/indicators/new?level=1.1"),
    ("implementer", "/projects/PALIM/logframe/indicators/STAFF_TRAINED/targets"),
    ("implementer", "/projects/PALIM/logframe/levels/1.1/edit"),
    ("implementer", "/projects/PALIM/logframe/levels/new?parent=1"),
    ("implementer", "/projects/PALIM/logframe/import"),
    ("secretariat", "/projects/new"),
    ("secretariat", "/projects/PALIM/edit"),
    ("secretariat", "/admin/organisations/"),
    ("secretariat", "/admin/organisations/new"),
    ("secretariat", "/admin/organisations/<organisation IOM>/edit"),
    ("secretariat", "/admin/organisations/<organisation IOM>/merge"),
    ("secretariat", "/admin/users/"),
    ("secretariat", "/admin/users/new"),
    ("secretariat", "/admin/users/<user impl.iom@example.org>/edit"),
    ("anonymous", "/set-password/<password link impl.iom@example.org>"),
]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.chunks))


def english_ui_phrases() -> list[str]:
    """Catalog msgids of two words or more whose French differs: they must not show on a French page."""
    with (ROOT / "translations/fr/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    phrases = []
    for message in catalog:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if not msgid or msgid == msgstr:
            continue
        for part in re.split(r"%\([a-z_]+\)[sd]", msgid):
            part = part.strip(" .,:;()·")
            if len(part.split()) >= 2:
                phrases.append(part)
    return phrases


def real_url(app, tx, url: str) -> str:
    """A page of an object known by its id: "<organisation NAME>" and "<user EMAIL>" become the id, and
    "<password link EMAIL>" a set-password token for that account."""
    from sqlalchemy import select

    from meapp.auth.models import Organisation, User
    from meapp.auth.service import password_link_token

    def real(match) -> str:
        kind, key = match.groups()
        if kind == "organisation":
            return str(tx.scalar(select(Organisation.id).where(Organisation.name == key)))
        account = tx.scalar(select(User).where(User.email == key))
        return str(account.id) if kind == "user" else password_link_token(account, app.config["SECRET_KEY"])

    return re.sub(r"<(organisation|user|password link) ([^<>]+)>", real, url)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("page", PAGES, ids=[" ".join(p[:2]) for p in PAGES])
def test_page_renders(app, tx, client, login, page, lang):
    who, url, expected = (*page, 200) if len(page) == 2 else page
    url = real_url(app, tx, url)
    if USERS[who]:
        login(USERS[who])
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == expected
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    if lang == "fr":
        text = visible_text(html)
        left = [p for p in english_ui_phrases() if p in text]
        assert not left, f"English left on the French page {url}: {left}"


def test_language_switch_is_kept_in_the_profile(client, login, user):
    login("impl.belgium@example.org")
    response = client.post("/language/fr", data={"next": "/projects/PALIM"})
    assert response.headers["Location"] == "/projects/PALIM"
    assert user("impl.belgium@example.org").locale == "fr"
    html = client.get("/projects/PALIM", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Cadre logique" in html


def test_language_switch_refuses_unknown_language_and_foreign_redirects(client):
    assert client.post("/language/de").status_code == 404
    response = client.post("/language/fr", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_french_formats_numbers_and_periods(client, login):
    login("secretariat@example.org")
    html = client.get("/projects/SAMI-NP", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "9\u202f000" in html  # the 9,000 target, with a narrow no-break space
    assert re.search(r"T[1-4] 20\d\d", html)
    html = client.get("/projects/SAMI-NP", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "9,000" in html
    assert re.search(r"Q[1-4] 20\d\d", html)


def test_demo_projects_are_labelled(client, login):
    login("secretariat@example.org")
    html = client.get("/projects/PALIM").get_data(as_text=True)
    assert "Demonstration data" in html
    html = client.get("/projects/PALIM", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Données de démonstration" in html


def test_project_page_shows_logframe_targets_and_values(client, login, tx):
    from sqlalchemy import select

    from meapp.logframes.models import Indicator
    from meapp.projects.models import Project

    login("impl.belgium@example.org")
    html = client.get("/projects/PALIM").get_data(as_text=True)
    project = tx.scalar(select(Project).where(Project.code == "PALIM"))
    for indicator in tx.scalars(select(Indicator).where(Indicator.project_id == project.id)):
        assert f"<code>{indicator.code}</code>" in html
    assert "Impact" in html and "Outcome" in html and "Output" in html
    assert "Targets and values per period" in html


def test_project_filters(client, login):
    login("secretariat@example.org")
    html = client.get("/projects/?country=NP").get_data(as_text=True)
    assert "SAMI-NP" in html and 'href="/projects/PALIM"' not in html
    html = client.get("/projects/?sector=ict").get_data(as_text=True)
    assert 'href="/projects/PALIM"' in html and 'href="/projects/SAMI-NP"' not in html
    response = client.get("/projects/?country=ZZ", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert "N'est pas un choix valide." in html_module.unescape(response.get_data(as_text=True))


def test_funder_filter(client, login, tx):
    from sqlalchemy import select

    from meapp.auth.models import Organisation

    login("secretariat@example.org")
    bmz = tx.scalar(select(Organisation).where(Organisation.name == "BMZ"))
    html = client.get(f"/projects/?funder={bmz.id}").get_data(as_text=True)
    assert 'href="/projects/KOSOVO-SPM"' in html and 'href="/projects/PALIM"' not in html


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "https://" not in response.get_data(as_text=True)  # no CDN: works with no internet


def test_project_pages_use_a_constant_number_of_queries(client, login, count_queries):
    login("secretariat@example.org")
    client.get("/projects/PALIM")  # warm-up: user loading, first-use queries
    counts = []
    for code in ("PALIM", "SAMI-NP", "SEEDA", "MENTOR-2"):
        with count_queries() as statements:
            assert client.get(f"/projects/{code}").status_code == 200
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts
    with count_queries() as statements:
        client.get("/projects/")
    assert len(statements) < 15, statements
