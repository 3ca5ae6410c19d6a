"""Configuration classes. Every key can be overridden with a MEAPP_* environment variable."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'meapp.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    LANGUAGES = ("en", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch still saves; the token is per session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 14
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    LOGFRAME_UPLOAD_MAX_BYTES = 2 * 1024 * 1024  # a logframe workbook (flask logframes import, its web page)
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")
    REDIS_URL = None
    # The Word template of every document: a .docx a person restyles (README: Reports). None: the shipped one.
    REPORT_TEMPLATE = None
    # Sign-in throttling, in Flask-Limiter's notation. Every POST /login counts against its address;
    # only failed sign-ins count against the account, and a successful one clears them, so a person
    # who mistypes waits a minute at most while a guesser gets 20 tries an hour.
    LOGIN_LIMITS_PER_ADDRESS = "20 per minute; 200 per hour"
    LOGIN_LIMITS_PER_ACCOUNT = "5 per minute; 20 per hour"  # failures at one account from one address
    LOGIN_LIMITS_PER_ACCOUNT_ANYWHERE = "50 per hour"  # failures at one account from anywhere (known browsers exempt)
    # Where the counters live: None means REDIS_URL when set (shared by every worker), else memory://
    # (one count per process).
    RATELIMIT_STORAGE_URI = None
    # How many reverse proxies in front of the app set X-Forwarded-For / -Proto (0: none trusted):
    # without it every visitor has the proxy's address and shares one sign-in limit.
    TRUSTED_PROXIES = 0
    # The Strict-Transport-Security header, when set: the production configuration sets it.
    HSTS = None
    # How long a set-password link (an invitation, or a new password) works, in seconds.
    INVITATION_MAX_AGE = 72 * 3600
    # The address people reach meapp at: links the command line prints or mails start with it.
    BASE_URL = "http://127.0.0.1:5000"
    # Outgoing mail (invitations, notices to funders): nothing is sent while MAIL_SERVER is unset, and
    # the screens show the link to pass on instead.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the start (usually port 465)
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SENDER = "meapp@localhost"
    MAIL_TIMEOUT = 10  # seconds
    DEMO_PASSWORD = "meapp-demo"
    ALLOW_DEMO_USERS = True
    IS_PRODUCTION = False


class DevelopmentConfig(Config):
    """The embedded default: SQLite under instance/, no other service."""


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SECRET_KEY = "testing"


class ProductionConfig(Config):
    """No default secret or database: both must come from the environment."""

    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = "max-age=31536000; includeSubDomains"
    ALLOW_DEMO_USERS = False
    IS_PRODUCTION = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_name() -> str:
    return os.environ.get("MEAPP_ENV", "development")
