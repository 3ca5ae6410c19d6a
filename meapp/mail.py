"""Outgoing mail through SMTP, when a server is configured (MAIL_SERVER); no area of meapp is needed here.

`send_mail` never raises: without a server it sends nothing, and a refused or failed delivery is logged,
and both return False, so that the caller can show the person what the mail would have carried (a
set-password link). Callers write the message in the recipient's language (flask_babel.force_locale).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

log = logging.getLogger(__name__)


def _flag(value) -> bool:
    """A boolean setting, also when the environment gave it as text ("true", "1", "yes")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def mail_configured() -> bool:
    """True when a mail server is configured (MAIL_SERVER)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: list[str], subject: str, body: str) -> bool:
    """Send a plain-text message to `to`; True once the server accepted it for every recipient."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return False
    recipients = [address for address in to if address]
    if not recipients:
        return False
    try:
        message = EmailMessage()
        message["From"] = config.get("MAIL_SENDER") or "meapp@localhost"
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject  # a line break here raises: no header can be injected
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=str(message["From"]).rpartition("@")[2] or None)
        # Quoted-printable keeps accented text 7-bit clean for servers without 8BITMIME.
        message.set_content(body, cte="quoted-printable")
    except (ValueError, TypeError) as exc:
        log.error("mail to %s not sent: the message cannot be written (%s)", ", ".join(recipients), exc)
        return False
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    try:
        if _flag(config.get("MAIL_USE_SSL")):
            server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if _flag(config.get("MAIL_USE_TLS")) and not _flag(config.get("MAIL_USE_SSL")):
                server.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            refused = server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail to %s not sent through %s:%s: %s", ", ".join(recipients), host, port, exc)
        return False
    if refused:
        log.error("mail through %s:%s refused for %s", host, port, ", ".join(sorted(refused)))
        return False
    return True
