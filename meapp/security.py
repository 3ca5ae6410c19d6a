"""Login sessions, CSRF error pages and response headers."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from meapp.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        from meapp.auth.models import User

        return db.session.scalar(select(User).where(User.session_token == token))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
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

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify(error="internal error"), 500
        return render_template("errors/500.html", error=error), 500
