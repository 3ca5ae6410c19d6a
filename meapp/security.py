"""Login sessions, sign-in throttling, error pages and response headers."""
from __future__ import annotations

import datetime as dt

from flask import Flask, jsonify, render_template, request
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from meapp.auth.demo import demo_users_allowed
from meapp.extensions import db, login_manager


def _is_download(response) -> bool:
    return response.headers.get("Content-Disposition", "").startswith("attachment")


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # The client's own address (throttling) and scheme come from the proxies' X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from meapp.auth import throttle

    throttle.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        from meapp.auth.models import User

        user = db.session.scalar(select(User).where(User.session_token == token))
        if user is not None and user.is_demo and not demo_users_allowed():
            return None  # a session opened before the switch to production ends here
        return user

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        # Pages and files for a signed-in user stay out of every cache, the browser's Back included.
        if request.endpoint != "static" and (_is_download(response) or current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", app.config["HSTS"])
        return response

    def _wants_json() -> bool:
        return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"

    def _error(status: int, template: str):
        def handler(error):
            if _wants_json():
                return jsonify(error=getattr(error, "description", str(error))), status
            return render_template(template, error=error), status

        return handler

    app.register_error_handler(400, _error(400, "errors/400.html"))
    app.register_error_handler(405, _error(405, "errors/400.html"))
    app.register_error_handler(403, _error(403, "errors/403.html"))
    app.register_error_handler(404, _error(404, "errors/404.html"))
    app.register_error_handler(413, _error(413, "errors/413.html"))
    app.register_error_handler(CSRFError, _error(400, "errors/csrf.html"))

    @app.errorhandler(429)
    def too_many_requests(error):
        retry_after = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else {}
        if _wants_json():
            return jsonify(error="too many requests", retry_after=retry_after), 429, headers
        when = format_timedelta(dt.timedelta(seconds=retry_after), add_direction=True) if headers else None
        return render_template("errors/429.html", error=error, when=when), 429, headers

    @app.errorhandler(OperationalError)
    def database_busy(error):
        """SQLite answers "database is locked" when two writers meet: a 503 to retry, never a 500."""
        db.session.rollback()
        message = str(getattr(error, "orig", error)).lower()
        if "locked" not in message and "busy" not in message:
            raise error
        headers = {"Retry-After": "1"}
        if _wants_json():
            return jsonify(error="database busy", retry_after=1), 503, headers
        return render_template("errors/503.html"), 503, headers

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify(error="internal error"), 500
        return render_template("errors/500.html", error=error), 500
