"""Sign-in and headers: demo accounts in production, throttling, a new session at sign-in, caching, HSTS,
and catalogs compiled by the app itself."""
from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import limits.storage.memory
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from meapp import create_app
from meapp.auth import throttle
from meapp.auth.models import Role
from meapp.auth.service import NewUser, create_user
from meapp.core import catalogs
from meapp.extensions import db
from tests.app.test_config import STRONG_SECRET
from tests.conftest import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
HTTPS = {"base_url": "https://localhost"}  # production cookies are Secure
PASSWORD = "a-real-password-42"
OTHER_ADDRESS = {"REMOTE_ADDR": "192.0.2.10"}  # TEST-NET-1: a label in the WSGI environ, no traffic


def _production_env(monkeypatch, tmp_path, translations: Path | None = None) -> None:
    monkeypatch.setenv("MEAPP_ENV", "production")
    monkeypatch.setenv("MEAPP_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("MEAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    if translations is not None:
        monkeypatch.setenv("MEAPP_BABEL_TRANSLATION_DIRECTORIES", str(translations))


@pytest.fixture
def production(monkeypatch, tmp_path):
    """An app under the production configuration with one demo account and one real account."""
    _production_env(monkeypatch, tmp_path)
    monkeypatch.setenv("MEAPP_ALLOW_DEMO_USERS", "true")  # the environment cannot let demo accounts in
    app = create_app()
    with app.app_context():
        db.create_all()
        create_user(NewUser("demo@example.org", Role.SECRETARIAT, None), PASSWORD, is_demo=True)
        create_user(NewUser("real@example.org", Role.SECRETARIAT, None), PASSWORD)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(app, email: str) -> str:
    from sqlalchemy import select

    from meapp.auth.models import User

    with app.app_context():
        return db.session.scalar(select(User.session_token).where(User.email == email))


# 1. Demo accounts under production


def _production_sign_in(client, email: str):
    """The form as a browser sends it under production: HTTPS, CSRF token, same-site Referer."""
    token = _csrf(client.get("/login", **HTTPS).get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                       headers={"Referer": "https://localhost/login"}, **HTTPS)


def test_demo_accounts_cannot_sign_in_under_production(production):
    client = production.test_client()
    refused = _production_sign_in(client, "demo@example.org")
    assert refused.status_code == 401
    assert "Wrong email or password." in refused.get_data(as_text=True)
    assert client.get("/", **HTTPS).status_code == 302
    signed_in = _production_sign_in(client, "real@example.org")
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    assert client.get("/", **HTTPS).status_code == 200


def test_a_demo_accounts_session_ends_under_production(production):
    for email, status in (("demo@example.org", 302), ("real@example.org", 200)):
        client = production.test_client()
        with client.session_transaction(**HTTPS) as session:
            session["_user_id"] = _token(production, email)
            session["_fresh"] = True
        assert client.get("/", **HTTPS).status_code == status, email


# 2. Throttling


def _wrong(client, email="secretariat@example.org", **kwargs):
    return client.post("/login", data={"email": email, "password": "not-the-password"}, **kwargs)


def test_wrong_passwords_for_one_account_are_throttled(client):
    assert [_wrong(client).status_code for _ in range(5)] == [401] * 5
    response = _wrong(client)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html and "Try again in" in html
    # Whatever the password, from this address the account waits (the password is not even checked).
    right = client.post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD})
    assert right.status_code == 429
    # The owner elsewhere is not locked out by someone guessing from here.
    owner = client.application.test_client().post(
        "/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD}, environ_overrides=OTHER_ADDRESS)
    assert owner.status_code == 302
    french = _wrong(client, headers={"Accept-Language": "fr"})
    assert french.status_code == 429 and "Retry-After" in french.headers
    text = french.get_data(as_text=True)
    assert "Trop de tentatives" in text and "Réessayez dans" in text
    as_json = _wrong(client, headers={"Accept": "application/json"})
    assert as_json.status_code == 429
    assert as_json.get_json()["retry_after"] == int(as_json.headers["Retry-After"])


def test_another_account_from_another_address_is_not_affected(client):
    for _ in range(6):
        _wrong(client)
    other = client.post("/login", data={"email": "impl.enabel@example.org", "password": DEMO_PASSWORD},
                        environ_overrides=OTHER_ADDRESS)
    assert other.status_code == 302
    assert _wrong(client.application.test_client(), "impl.iom@example.org",
                  environ_overrides=OTHER_ADDRESS).status_code == 401


def test_the_account_limit_ends_with_its_window(client, monkeypatch):
    for _ in range(6):
        _wrong(client)
    assert _wrong(client).status_code == 429
    later = time.time() + 61
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: later))
    response = client.post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_a_successful_sign_in_clears_the_failures(client):
    assert [_wrong(client).status_code for _ in range(4)] == [401] * 4
    assert client.post("/login", data={"email": "secretariat@example.org",
                                       "password": DEMO_PASSWORD}).status_code == 302
    client.post("/logout")
    assert [_wrong(client).status_code for _ in range(5)] == [401] * 5
    assert _wrong(client).status_code == 429


def test_every_attempt_counts_against_the_address(app, client):
    previous = app.config["LOGIN_LIMITS_PER_ADDRESS"]
    app.config["LOGIN_LIMITS_PER_ADDRESS"] = "3 per minute"
    try:
        statuses = [_wrong(client, f"nobody{n}@example.org").status_code for n in range(3)]
        assert statuses == [401] * 3
        blocked = client.post("/login", data={"email": "impl.enabel@example.org", "password": DEMO_PASSWORD})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) <= 60
        elsewhere = client.post("/login", data={"email": "impl.enabel@example.org", "password": DEMO_PASSWORD},
                                environ_overrides=OTHER_ADDRESS)
        assert elsewhere.status_code == 302
    finally:
        app.config["LOGIN_LIMITS_PER_ADDRESS"] = previous


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """A testing app of its own (configured at start-up), on an empty database of its own."""
    monkeypatch.setenv("MEAPP_ENV", "testing")
    apps = []

    def make(**config):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.sqlite'}", **config})
        with app.app_context():
            db.create_all()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_counters_live_in_redis_when_configured(make_app):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = make_app(REDIS_URL=url)
    try:
        assert type(throttle.limiter(app).storage).__name__ == "RedisStorage"
        email = f"nobody-{os.getpid()}-{time.time_ns()}@example.org"
        assert [_wrong(app.test_client(), email).status_code for _ in range(5)] == [401] * 5
        # Another worker (another app on the same Redis) sees the same counts.
        assert _wrong(make_app(REDIS_URL=url).test_client(), email).status_code == 429
    finally:
        throttle.limiter(app).reset()


def test_sign_in_stays_open_when_the_counters_store_is_down(make_app, caplog):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert [_wrong(app.test_client()).status_code for _ in range(6)] == [401] * 6
    assert "the rate-limit storage failed" in caplog.text


def test_behind_a_trusted_proxy_each_client_has_its_own_address(make_app):
    app = make_app(TRUSTED_PROXIES=1, LOGIN_LIMITS_PER_ADDRESS="1 per minute")
    client = app.test_client()
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert _wrong(client, "a@example.org", headers=first).status_code == 401
    assert _wrong(client, "b@example.org", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 401
    assert _wrong(client, "c@example.org", headers=first).status_code == 429


# 3. A new session at sign-in


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_a_csrf_token_from_before_sign_in_is_refused_after(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        before = _csrf(client.get("/login").get_data(as_text=True))
        assert client.post("/language/fr", data={"csrf_token": before}).status_code == 302
        with client.session_transaction() as session:
            secret_before = session["csrf_token"]
        signed_in = client.post("/login", data={"csrf_token": before, "email": "secretariat@example.org",
                                                "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302
        with client.session_transaction() as session:
            assert session["lang"] == "fr"  # the language choice survives
            assert session.get("csrf_token") != secret_before
        stale = client.post("/language/en", data={"csrf_token": before})
        assert stale.status_code == 400
        fresh = _csrf(client.get("/").get_data(as_text=True))
        assert fresh != before
        assert client.post("/language/en", data={"csrf_token": fresh}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# 4. Caching and HSTS


def test_signed_in_pages_and_downloads_are_not_stored(client, login):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login("secretariat@example.org")
    for url in ("/", "/projects/PALIM", "/profile"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    download = client.get("/projects/PALIM/reports/iptt?lang=en")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_hsts_only_in_production(client, production):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    response = production.test_client().get("/login", **HTTPS)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# 6. Catalogs compiled by the app


def _po_only_copy(tmp_path: Path) -> Path:
    """translations/ as a fresh checkout or an installed package has it: .po files, no .mo."""
    copy = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", copy, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    assert not list(copy.rglob("*.mo"))
    return copy


def _login_page_in_french(app) -> str:
    response = app.test_client().get("/login", headers={"Accept-Language": "fr"}, **HTTPS)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_production_without_compiled_catalogs_speaks_french(monkeypatch, tmp_path):
    translations = _po_only_copy(tmp_path)
    _production_env(monkeypatch, tmp_path, translations)
    html = _login_page_in_french(create_app())
    assert '<html lang="fr">' in html and "Se connecter" in html and "Mot de passe" in html
    mo = translations / "fr/LC_MESSAGES/messages.mo"
    assert mo.exists()
    assert not [p for p in mo.parent.iterdir() if p.name.endswith(".tmp")]  # written atomically, nothing left


def test_a_stale_catalog_is_compiled_again(monkeypatch, tmp_path):
    translations = _po_only_copy(tmp_path)
    po = translations / "fr/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    with mo.open("wb") as fh:
        write_mo(fh, Catalog(locale="fr"))  # an old build that knows no string
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    _production_env(monkeypatch, tmp_path, translations)
    assert "Se connecter" in _login_page_in_french(create_app())


def _read_only_copy(monkeypatch, tmp_path) -> Path:
    """A copy of the catalogs' sources in a folder that refuses the compiled files, as a read-only install."""
    translations = _po_only_copy(tmp_path)
    compile_one = catalogs._write_mo

    def read_only(po: Path, mo: Path) -> None:
        if translations in mo.parents:
            raise PermissionError(30, "Read-only file system", str(mo))
        compile_one(po, mo)

    monkeypatch.setattr(catalogs, "_write_mo", read_only)
    return translations


def test_a_read_only_translations_directory_is_compiled_elsewhere(monkeypatch, tmp_path):
    translations = _read_only_copy(monkeypatch, tmp_path)
    _production_env(monkeypatch, tmp_path, translations)
    app = create_app()
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"] != str(translations)
    assert "Se connecter" in _login_page_in_french(app)
    assert not list(translations.rglob("*.mo"))


def test_gunicorn_as_the_readme_says_serves_french(tmp_path):
    """`gunicorn wsgi:app` under production, on a checkout whose catalogs were never compiled."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    env = {**os.environ, "MEAPP_ENV": "production", "MEAPP_SECRET_KEY": STRONG_SECRET,
           "MEAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
           "MEAPP_BABEL_TRANSLATION_DIRECTORIES": str(_po_only_copy(tmp_path))}
    server = subprocess.Popen([str(gunicorn), "--bind", "127.0.0.1:0", "--workers", "2", "wsgi:app"],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        port = None
        while port is None and time.monotonic() < deadline:
            ready, _, _ = select.select([server.stderr], [], [], max(0.0, deadline - time.monotonic()))
            line = server.stderr.readline() if ready else ""
            if not line and server.poll() is not None:
                break
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port, "gunicorn did not start"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/login", headers={"Accept-Language": "fr"})
        with urllib.request.urlopen(request, timeout=30) as response:
            html = response.read().decode()
        assert "Se connecter" in html and '<html lang="fr">' in html
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()


def test_documents_read_the_catalogs_the_screens_read(monkeypatch, tmp_path):
    """A read-only install compiles into a temporary directory: documents must speak French there too."""
    from meapp.reports import i18n as report_i18n

    translations = _read_only_copy(monkeypatch, tmp_path)
    monkeypatch.setattr(report_i18n, "TRANSLATIONS_DIR", translations)
    report_i18n._catalog.cache_clear()
    try:
        assert report_i18n.Lang("fr")._("Wrong email or password.") == "Adresse e-mail ou mot de passe incorrect."
        assert not list(translations.rglob("*.mo"))
    finally:
        report_i18n._catalog.cache_clear()


def test_guessing_from_many_addresses_delays_strangers_not_the_owners_browser(client, app, monkeypatch):
    """The account-wide ceiling stops distributed guessing; a browser the owner signed in from is exempt."""
    monkeypatch.setitem(app.config, "LOGIN_LIMITS_PER_ACCOUNT_ANYWHERE", "8 per hour")
    owner = app.test_client()
    first = owner.post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD},
                       environ_overrides={"REMOTE_ADDR": "192.0.2.50"})
    assert first.status_code == 302 and "meapp_device=" in first.headers.get("Set-Cookie", "")
    owner.post("/logout")
    for n in range(8):  # an attacker spreads wrong passwords over eight addresses
        attacker = app.test_client()
        assert _wrong(attacker, environ_overrides={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code == 401
    stranger = app.test_client().post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD},
                                      environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert stranger.status_code == 429  # a new browser waits, even with the right password
    again = owner.post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD},
                       environ_overrides={"REMOTE_ADDR": "203.0.113.10"})
    assert again.status_code == 302  # the owner's browser signs in, from a new address too
    forged = app.test_client()
    forged.set_cookie("meapp_device", "not-a-signed-value")
    assert forged.post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD},
                       environ_overrides={"REMOTE_ADDR": "203.0.113.11"}).status_code == 429
