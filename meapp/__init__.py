"""meapp: monitoring and evaluation for skills-mobility pilot projects."""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from flask import Flask

import config as config_module


class ConfigError(RuntimeError):
    """The configuration cannot run (missing secret or database in production)."""


def create_app(config: dict | str | None = None, env: str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI.

    `config` is a configuration name or a dict of overrides; `env` names the configuration when
    `config` is a dict (else MEAPP_ENV decides), so that tests never need to change the environment.
    """
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    name = config if isinstance(config, str) else (env or config_module.config_name())
    if name not in config_module.CONFIGS:
        raise ConfigError(f"meapp cannot start: MEAPP_ENV={name!r} is not one of {', '.join(config_module.CONFIGS)}.")
    app.config.from_object(config_module.CONFIGS[name])
    # Kept out of app.config so that no MEAPP_* variable can pretend to be another configuration.
    app.extensions["meapp_config"] = name
    app.config.from_prefixed_env("MEAPP")
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if isinstance(config, dict):
        app.config.update(config)
    _check_config(app)
    _check_report_template(app)

    from meapp import extensions, i18n, models, request_guard, security  # noqa: F401 (models: complete metadata)

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True
    )
    extensions.csrf.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    request_guard.init_app(app)
    _configure_database(app)

    from meapp.auth.admin_views import bp as users_bp
    from meapp.auth.views import bp as auth_bp
    from meapp.compendium.views import bp as compendium_bp
    from meapp.imports.views import bp as imports_bp
    from meapp.logframes.views import bp as logframes_bp
    from meapp.main_views import bp as main_bp
    from meapp.projects.admin_views import bp as organisations_bp
    from meapp.projects.views import bp as projects_bp
    from meapp.reports.views import bp as reports_bp
    from meapp.results.views import bp as results_bp
    from meapp.submissions.admin_views import bp as periods_bp
    from meapp.submissions.views import bp as submissions_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(submissions_bp)
    app.register_blueprint(logframes_bp)
    app.register_blueprint(periods_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(compendium_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(users_bp)
    _register_presenters(app)

    from meapp.cli import register_cli

    register_cli(app)
    _warm_up()
    return app


def _warm_up() -> None:
    """Pay at start-up, not on the first request, for what every process computes once: the ORM's mapper
    configuration and the documents' catalogs and locale data. No database or network is touched."""
    import datetime as dt

    from sqlalchemy.orm import configure_mappers

    from meapp.reports.i18n import Lang

    configure_mappers()
    for code in ("fr", "en"):
        lang = Lang(code)
        lang.number(1234.5, 1), lang.date(dt.date(2026, 1, 1)), lang.period("2026Q1"), lang._("Contents")


def _register_presenters(app: Flask) -> None:
    from meapp import i18n
    from meapp.submissions import presenters
    from meapp.submissions.grid import finding_key

    app.jinja_env.filters.update(combo=presenters.combination_label, action_label=presenters.action_label,
                                 state_label=presenters.state_label)
    app.jinja_env.globals.update(finding_message=presenters.finding_message, finding_key=finding_key,
                                 field_label=i18n.field_label)


def _check_config(app: Flask) -> None:
    missing = [
        f"MEAPP_{key}"
        for key, value in (
            ("SECRET_KEY", app.config.get("SECRET_KEY")),
            ("DATABASE_URL", app.config.get("SQLALCHEMY_DATABASE_URI")),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            "meapp cannot start: the production configuration needs "
            + " and ".join(missing)
            + " to be set in the environment."
        )
    if app.extensions["meapp_config"] == "production":
        problem = secret_key_problem(str(app.config["SECRET_KEY"]))
        if problem:
            raise ConfigError(
                f"meapp cannot start: MEAPP_SECRET_KEY {problem}. It must be a random value of at least "
                f"{MIN_SECRET_LENGTH} characters holding at least {MIN_SECRET_BITS} bits by the frequencies of "
                f"its characters; make one with: {SECRET_RECIPE}"
            )


MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 128
SECRET_RECIPE = 'python -c "import secrets; print(secrets.token_hex(32))"'


def secret_key_problem(secret: str) -> str | None:
    """What makes a production secret guessable, or None.

    The estimate is Shannon's: the entropy of the characters' frequencies times the length, a repeated
    piece counted once. It cannot tell that a string was not drawn at random, but it refuses the short,
    the repeated and the few-symbol ones; `secrets.token_hex(32)` always passes, with over 200 bits.
    """
    if secret == config_module.Config.SECRET_KEY:
        return "is the development default"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"has only {len(secret)} characters"
    piece = secret[:_period(secret)]
    bits = sum(n * math.log2(len(piece) / n) for n in Counter(piece).values())  # length × Shannon entropy
    if bits < MIN_SECRET_BITS:
        return f"is too regular ({bits:.0f} bits by the frequencies of its characters)"
    return None


def _period(text: str) -> int:
    """The length of the shortest piece that `text` repeats ("abcabca": 3), by the KMP failure function."""
    border = [0] * len(text)
    k = 0
    for i in range(1, len(text)):
        while k and text[i] != text[k]:
            k = border[k - 1]
        if text[i] == text[k]:
            k += 1
        border[i] = k
    return len(text) - border[-1]


def _check_report_template(app: Flask) -> None:
    """A configured Word template must carry every document: refuse to start rather than fail at download."""
    if not app.config.get("REPORT_TEMPLATE"):
        return
    from meapp.reports.template import TemplateError, check_template

    try:
        check_template(app.config["REPORT_TEMPLATE"])
    except TemplateError as exc:
        raise ConfigError(f"meapp cannot start: MEAPP_REPORT_TEMPLATE: {exc}") from exc


def _configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        if "///" in uri and not uri.endswith(":memory:") and uri != "sqlite://":
            Path(uri.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        from meapp.dbutil import install_sqlite_pragmas

        with app.app_context():
            install_sqlite_pragmas(extensions_engine())


def extensions_engine():
    from meapp.extensions import db

    return db.engine
