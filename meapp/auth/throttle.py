"""Sign-in throttling that slows guessing without letting anyone lock the real user out.

- Every attempt counts against its address (LOGIN_LIMITS_PER_ADDRESS).
- A failed attempt counts against the account *from that address* (LOGIN_LIMITS_PER_ACCOUNT): one
  address guessing one account is stopped quickly, and the owner signing in elsewhere is not.
- A failed attempt also counts against the account from anywhere (LOGIN_LIMITS_PER_ACCOUNT_ANYWHERE),
  a higher ceiling against guessing from many addresses. A browser the owner has signed in from
  before carries a signed device cookie and is exempt from that ceiling (OWASP's "device cookie"),
  so an attacker who spends it delays only strangers.

Flask-Limiter keeps the counters (memory, or Redis when REDIS_URL is set, so that every worker sees the
same counts). One limiter per application: its storage belongs to the instance, and several apps in
one process (the tests) must not share counters. The login view asks before it checks a password and
reports the outcome after, so that only failures count against an account and a success clears them.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.strategies import RateLimiter
from werkzeug.exceptions import TooManyRequests

from meapp.auth.service import normalise_email

EXTENSION = "meapp_limiter"
DEVICE_COOKIE = "meapp_device"
DEVICE_DAYS = 180


def init_app(app: Flask) -> None:
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    limiter = Limiter(key_func=get_remote_address, storage_uri=storage, strategy="fixed-window",
                      storage_options={"wrap_exceptions": True})
    limiter.init_app(app)
    for key in ("LOGIN_LIMITS_PER_ADDRESS", "LOGIN_LIMITS_PER_ACCOUNT", "LOGIN_LIMITS_PER_ACCOUNT_ANYWHERE"):
        parse_many(app.config[key])  # a typo in a limit stops the start, not the first sign-in
    app.extensions[EXTENSION] = limiter


def limiter(app: Flask | None = None) -> Limiter:
    return (app or current_app).extensions[EXTENSION]


def _items(key: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[key])


def _address() -> tuple[str, ...]:
    return "meapp", "login-address", get_remote_address() or "unknown"


def _digest(email: str) -> str:
    # A digest: the counters' store (Redis) and the device cookie hold no e-mail address.
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def _account(email: str) -> tuple[str, ...]:
    """The account from this address."""
    return "meapp", "login-account", _digest(email), get_remote_address() or "unknown"


def _account_anywhere(email: str) -> tuple[str, ...]:
    return "meapp", "login-account-anywhere", _digest(email)


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="meapp-known-device")


def is_known_device(email: str) -> bool:
    """Whether this browser carries the device cookie of a past sign-in to this account."""
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return False
    try:
        accounts = _devices().loads(token, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return False
    return isinstance(accounts, list) and _digest(email) in accounts


def remember_device(response, email: str) -> None:
    """After a successful sign-in: this browser is one the account's owner uses (a few accounts per browser)."""
    try:
        known = _devices().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        known = []
    accounts = [_digest(email)] + [a for a in (known if isinstance(known, list) else []) if a != _digest(email)]
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(accounts[:5]), max_age=DEVICE_DAYS * 86400,
                        httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _refuse(strategy: RateLimiter, spent: list[tuple[RateLimitItem, tuple[str, ...]]]) -> None:
    if spent:
        now = time.time()
        waits = [strategy.get_window_stats(item, *ids).reset_time - now for item, ids in spent]
        raise TooManyRequests(retry_after=max(1, math.ceil(max(waits))))


@contextmanager
def _counters() -> Iterator[RateLimiter | None]:
    """The limiter's strategy (None when throttling is off). A failing store leaves sign-in open and says so."""
    ext = limiter()
    if not ext.enabled:
        yield None
        return
    try:
        yield ext.limiter
    except StorageError:
        current_app.logger.exception("sign-in throttling skipped: the rate-limit storage failed")


def count_attempt_from_address() -> None:
    """Count a sign-in attempt against the client's address; 429 when the address has spent its limit."""
    with _counters() as strategy:
        if strategy is not None:
            address = _address()
            _refuse(strategy, [(item, address) for item in _items("LOGIN_LIMITS_PER_ADDRESS")
                               if not strategy.hit(item, *address)])


def check_account(email: str) -> None:
    """429 when the account has had too many failed sign-ins lately (asked before the password is checked)."""
    with _counters() as strategy:
        if strategy is not None:
            spent = [(item, _account(email)) for item in _items("LOGIN_LIMITS_PER_ACCOUNT")
                     if not strategy.test(item, *_account(email))]
            if not is_known_device(email):
                spent += [(item, _account_anywhere(email)) for item in _items("LOGIN_LIMITS_PER_ACCOUNT_ANYWHERE")
                          if not strategy.test(item, *_account_anywhere(email))]
            _refuse(strategy, spent)


def note_failure(email: str) -> None:
    """A wrong password, or no such account: it counts against the account."""
    with _counters() as strategy:
        if strategy is not None:
            for item in _items("LOGIN_LIMITS_PER_ACCOUNT"):
                strategy.hit(item, *_account(email))
            for item in _items("LOGIN_LIMITS_PER_ACCOUNT_ANYWHERE"):
                strategy.hit(item, *_account_anywhere(email))


def note_success(email: str) -> None:
    """The right password: the account's earlier failures no longer count."""
    with _counters() as strategy:
        if strategy is not None:
            for item in _items("LOGIN_LIMITS_PER_ACCOUNT"):
                strategy.clear(item, *_account(email))
