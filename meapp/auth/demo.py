"""Demo accounts: who may use them."""
from __future__ import annotations

from flask import current_app


def demo_users_allowed() -> bool:
    """Demo accounts have a published password: never under the production configuration, whatever the environment."""
    return current_app.extensions.get("meapp_config") != "production" and bool(current_app.config["ALLOW_DEMO_USERS"])
