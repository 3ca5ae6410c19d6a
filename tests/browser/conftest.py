"""Browser tests: the real app served over HTTP from a thread, driven by Debian's Chromium.

The `tx` fixture of tests/conftest.py rolls each test back on one connection; that cannot work when
the requests are handled by a server thread, so these tests get their own SQLite database, seeded
once for the whole browser package (always SQLite, even when MEAPP_TEST_DATABASE_URL is set).
Each test starts from the freshly seeded demo: the `fresh_data` fixture copies a snapshot taken after
seeding back into the database, so the tests do not depend on each other or on their order.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
BROWSER_PASSWORD = "meapp-browser-test"
TIMEOUT_MS = 10_000

SKIP_REASON = None
if not CHROMIUM.exists():
    SKIP_REASON = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
else:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # requirements.txt pins it
        SKIP_REASON = "browser tests need the playwright package (pip install -r requirements.txt)"


class LiveServer:
    """Where the app answers, the password of every demo account, and how to reset its data."""

    password = BROWSER_PASSWORD

    def __init__(self, url: str, restore):
        self.url = url
        self.restore = restore


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy, page by page, under SQLite's own locks."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory):
    """Base URL of the app, seeded with the demo data and served by Werkzeug in a daemon thread."""
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from werkzeug.serving import make_server

    from meapp import create_app
    from meapp.extensions import db
    from meapp.seed.demo import seed_demo

    tmp = tmp_path_factory.mktemp("browser")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/browser.sqlite",
        "WTF_CSRF_ENABLED": True,  # a real user's path: every form carries its token
        "UPLOAD_DIR": str(tmp / "uploads"),
        "DEMO_PASSWORD": BROWSER_PASSWORD,
    }, env="testing")
    database = tmp / "browser.sqlite"
    snapshot = tmp / "seeded.sqlite"
    with app.app_context():
        db.create_all()
        seed_demo(BROWSER_PASSWORD)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    _copy_database(database, snapshot)

    def restore() -> None:
        """Put the seeded demo back (between tests, when no request is running)."""
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _copy_database(snapshot, database)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="meapp-browser-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", restore)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="package")
def browser():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def fresh_data(live_server):
    """The seeded demo, as if no test had run before this one."""
    live_server.restore()
    return live_server


@pytest.fixture
def new_page(browser, fresh_data):
    """Open a page in a new browser context (own cookies): one per person signing in during the test."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=fresh_data.url, locale="en-GB",
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    expect.set_options(timeout=TIMEOUT_MS)
    yield open_page
    for context in contexts:
        context.close()


# --- A new installation: what an operator has after `flask db upgrade` and one `flask users create` -------------

SECRETARIAT_EMAIL = "secretariat@programme.example.org"


class NewInstallation(LiveServer):
    """An installation with no data but the reference lists, and the one secretariat account the operator made."""

    secretariat = SECRETARIAT_EMAIL


@pytest.fixture(scope="package")
def installation_server(tmp_path_factory):
    """Base URL of an app on an empty SQLite database built by the migrations (no demo seed, no mail server),
    with one secretariat account created through the command line, served by Werkzeug in a daemon thread."""
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from meapp import create_app
    from meapp.extensions import db

    tmp = tmp_path_factory.mktemp("installation")
    database = tmp / "installation.sqlite"
    snapshot = tmp / "installed.sqlite"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "MAIL_SERVER": None,  # no mail server: the screens show the set-password link to pass on
    }, env="testing")
    with app.app_context():
        upgrade()  # what `flask db upgrade` runs; migration 0007 loads the reference lists
        db.session.remove()
    result = app.test_cli_runner().invoke(
        args=["users", "create", SECRETARIAT_EMAIL, "--role", "secretariat", "--name", "Awa Diallo",
              "--password-stdin"], input=BROWSER_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    _copy_database(database, snapshot)

    def restore() -> None:
        """Put the new installation back (between tests, when no request is running)."""
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _copy_database(snapshot, database)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="meapp-installation-server", daemon=True)
    thread.start()
    try:
        yield NewInstallation(f"http://127.0.0.1:{server.server_port}", restore)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def installation(installation_server):
    """The new installation, as if no test had run on it before this one."""
    installation_server.restore()
    return installation_server


@pytest.fixture
def installation_page(browser, installation):
    """Open a page on the new installation in a new browser context (own cookies), its browser asking for
    `locale`: one per person taking part in the test."""
    contexts = []

    def open_page(locale: str = "en-GB"):
        context = browser.new_context(base_url=installation.url, locale=locale,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    expect.set_options(timeout=TIMEOUT_MS)
    yield open_page
    for context in contexts:
        context.close()
