"""Set-password links (invitations and new passwords), mail through SMTP, and the account commands."""
import email
import email.policy
import re
import socketserver
import threading
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from meapp.audit.models import AuditEvent
from meapp.auth import service as accounts
from meapp.auth.models import Role, User
from meapp.mail import send_mail

SECRETARIAT = "secretariat@example.org"
LINK = re.compile(r"(?:https?://[^/\s\"]+)?/set-password/([A-Za-z0-9_.\-]+)")


# --- a real SMTP server, local, in a thread --------------------------------------------------------


class _SmtpSession(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 sink.example.org ESMTP test sink")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.example.org")
            elif verb == "MAIL":
                sender, recipients = command.partition(":")[2].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.partition(":")[2].strip().strip("<>")
                if address in self.server.refuse:
                    self.reply("550 No such mailbox")
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.messages.append((sender, recipients, email.message_from_bytes(
                    b"".join(lines), policy=email.policy.default)))
                self.reply("250 OK queued")
            elif verb == "RSET":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list = []
        self.refuse: set[str] = set()


@pytest.fixture
def smtp(app, monkeypatch):
    """A local SMTP server the app is configured to send through; its received messages in `.messages`."""
    server = SmtpSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.server_address[1])
    monkeypatch.setitem(app.config, "MAIL_SENDER", "meapp@sink.example.org")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def ctx(app, tx):
    with app.test_request_context():
        yield


@pytest.fixture
def secretariat(client, login):
    return login(SECRETARIAT)


def link_path(text: str) -> str:
    match = LINK.search(text)
    assert match, text[-2000:]
    return f"/set-password/{match.group(1)}"


# --- the mail module ----------------------------------------------------------------------------------


def test_send_mail_without_a_server_sends_nothing(ctx, app):
    assert app.config["MAIL_SERVER"] is None
    assert send_mail(["someone@example.org"], "Subject", "Body") is False


def test_send_mail_delivers_through_smtp(ctx, smtp):
    assert send_mail(["a@example.org", "b@example.org"], "Rapport approuvé", "Le cadre logique est approuvé.\n")
    [(sender, recipients, message)] = smtp.messages
    assert sender == "<meapp@sink.example.org>" and recipients == ["a@example.org", "b@example.org"]
    assert message["Subject"] == "Rapport approuvé"
    assert message.get_content().replace("\r\n", "\n") == "Le cadre logique est approuvé.\n"


def test_send_mail_failures_are_logged_and_return_false(ctx, smtp, app, monkeypatch, caplog):
    smtp.refuse.add("gone@example.org")
    assert send_mail(["gone@example.org"], "Subject", "Body") is False
    assert "gone@example.org" in caplog.text
    assert send_mail(["a@example.org"], "Header\r\nBcc: injected@example.org", "Body") is False
    assert len(smtp.messages) == 0
    closed = SmtpSink()  # a port nobody listens on any more
    port = closed.server_address[1]
    closed.server_close()
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    assert send_mail(["a@example.org"], "Subject", "Body") is False
    assert "not sent" in caplog.text


# --- tokens -------------------------------------------------------------------------------------------


def _invite(actor, email="invited@example.org", locale=None):
    return accounts.invite_user(actor, accounts.NewUser(email=email, role=Role.IMPLEMENTER, organisation="Enabel",
                                                        name="Invited Person", locale=locale))


def test_a_link_works_once(ctx, user):
    account, token = _invite(user(SECRETARIAT))
    assert accounts.user_for_password_token(token) is account
    accounts.set_password_with_token(token, "a-good-long-password")
    assert account.check_password("a-good-long-password")
    with pytest.raises(accounts.InvalidPasswordLink) as excinfo:
        accounts.user_for_password_token(token)
    assert not excinfo.value.expired and excinfo.value.status == 400


def test_a_link_expires(ctx, user, app, monkeypatch):
    account, _token = _invite(user(SECRETARIAT))
    made_at = int(time.time()) - app.config["INVITATION_MAX_AGE"] - 60
    with monkeypatch.context() as patch:  # only the token's own clock, while it is made
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at)
        old = accounts.password_link_token(account)
    with pytest.raises(accounts.InvalidPasswordLink) as excinfo:
        accounts.user_for_password_token(old)
    assert excinfo.value.expired
    fresh = accounts.password_link_token(account)
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)  # every link is too old
    with pytest.raises(accounts.InvalidPasswordLink) as excinfo:
        accounts.user_for_password_token(fresh)
    assert excinfo.value.expired


def test_altered_and_foreign_links_are_refused(ctx, user):
    account, token = _invite(user(SECRETARIAT))
    payload, _, rest = token.partition(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    other = user("impl.iom@example.org")
    for bad in (flipped + "." + rest, token[:-2], "", "not-a-token",
                accounts.password_link_token(other, "another-secret-key"), token + "x"):
        with pytest.raises(accounts.InvalidPasswordLink):
            accounts.user_for_password_token(bad)


def test_links_of_deactivated_accounts_are_refused(ctx, user):
    actor = user(SECRETARIAT)
    account, token = _invite(actor)
    accounts.deactivate_user(actor, account, "not needed")
    with pytest.raises(accounts.InvalidPasswordLink):
        accounts.user_for_password_token(token)
    accounts.reactivate_user(actor, account)
    with pytest.raises(accounts.InvalidPasswordLink):  # deactivation ended it for good
        accounts.user_for_password_token(token)
    assert accounts.user_for_password_token(accounts.issue_password_link(actor, account)) is account


def test_password_rules_on_the_link(ctx, user):
    _account, token = _invite(user(SECRETARIAT))
    with pytest.raises(accounts.InvalidAccount) as excinfo:
        accounts.set_password_with_token(token, "short")
    assert [p.where for p in excinfo.value.problems] == ["password"]
    assert accounts.password_problems("long-enough-pw", "different-pw")[0].where == "confirm"
    assert accounts.password_problems("long-enough-\x00pw")[0].message_id.startswith("This text holds invisible")


# --- the screens --------------------------------------------------------------------------------------


def test_invite_on_screen_without_mail_shows_the_link_once(secretariat, client, tx):
    response = secretariat.post("/admin/users/new", data={"email": "amina@example.org", "name": "Amina",
                                                          "role": "implementer", "locale": "fr",
                                                          "organisation": _enabel_id(tx)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No mail was sent" in html
    path = link_path(html)
    assert f'value="http://localhost{path}"' in html  # the absolute link to pass on
    account = tx.scalar(select(User).where(User.email == "amina@example.org"))
    assert account.locale == "fr" and account.last_login_at is None
    assert tx.scalar(select(AuditEvent).where(AuditEvent.action == "user.invite",
                                              AuditEvent.entity_id == account.id)) is not None
    client.post("/logout")
    _set_password_through(client, path, "amina@example.org", "fr")


def _enabel_id(tx) -> int:
    from meapp.auth.models import Organisation

    return tx.scalar(select(Organisation.id).where(Organisation.name == "Enabel"))


SET_PASSWORD_REFUSALS = {  # the page speaks the account's language (chosen when it was invited)
    "en": ("The password needs at least 10 characters.", "The two passwords differ."),
    "fr": ("Le mot de passe doit compter au moins 10 caractères.", "Les deux mots de passe diffèrent."),
}


def _set_password_through(client, path: str, email_address: str, lang: str = "en") -> None:
    """Open the link, be refused a short password, set a good one: signed in; the link then refuses."""
    too_short, differ_text = SET_PASSWORD_REFUSALS[lang]
    page = client.get(path)
    assert page.status_code == 200 and email_address in page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert f'<p class="error" id="password-error">{too_short}</p>' in short.get_data(as_text=True)
    differ = client.post(path, data={"password": "a-good-long-password", "confirm": "another-long-password"})
    assert differ.status_code == 400 and differ_text in differ.get_data(as_text=True)
    done = client.post(path, data={"password": "a-good-long-password", "confirm": "a-good-long-password"})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    profile = client.get("/profile")  # signed in as the link's account
    assert profile.status_code == 200 and f"<dd>{email_address}</dd>" in profile.get_data(as_text=True)
    again = client.get(path)  # the page of an unusable link (in the account's language, now signed in)
    assert again.status_code == 400 and 'name="password"' not in again.get_data(as_text=True)
    client.post("/logout")
    signed_in = client.post("/login", data={"email": email_address, "password": "a-good-long-password"})
    assert signed_in.status_code == 302


@pytest.mark.parametrize("lang, expired, invalid", [
    ("en", "This link to set a password has expired.", "This link to set a password is not valid any more"),
    ("fr", "Ce lien pour choisir un mot de passe a expiré.",
     "Ce lien pour choisir un mot de passe n’est plus valable"),
])
def test_unusable_links_get_one_clear_page(client, tx, app, user, monkeypatch, lang, expired, invalid):
    headers = {"Accept-Language": lang}
    with app.test_request_context():
        account = user("impl.iom@example.org")
        made_at = int(time.time()) - app.config["INVITATION_MAX_AGE"] - 1
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at)
            old = accounts.password_link_token(account)
        good = accounts.password_link_token(account)
    response = client.get(f"/set-password/{old}", headers=headers)
    assert response.status_code == 400 and expired in response.get_data(as_text=True)
    response = client.post(f"/set-password/{old}", data={"password": "x" * 12, "confirm": "x" * 12}, headers=headers)
    assert response.status_code == 400 and expired in response.get_data(as_text=True)
    for bad in (good[:-3] + "abc", "%C3%A9t%C3%A9", "a" * 500):
        response = client.get(f"/set-password/{bad}", headers=headers)
        assert response.status_code == 400 and invalid in response.get_data(as_text=True)
    user("impl.iom@example.org").is_active_account = False  # the requests closed the session: fetch it again
    tx.commit()
    response = client.get(f"/set-password/{good}", headers=headers)
    assert response.status_code == 400 and invalid in response.get_data(as_text=True)


def test_set_password_page_needs_the_csrf_token(app, client, tx, user):
    with app.test_request_context():
        token = accounts.password_link_token(user("impl.iom@example.org"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"/set-password/{token}").get_data(as_text=True)
        assert 'name="csrf_token"' in page
        refused = client.post(f"/set-password/{token}", data={"password": "x" * 12, "confirm": "x" * 12})
        assert refused.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not user("impl.iom@example.org").check_password("x" * 12)


@pytest.mark.parametrize("locale, subject, greeting", [
    ("fr", "Votre compte meapp", "Bonjour Amina,"),
    ("en", "Your meapp account", "Hello Amina,"),
])
def test_invite_on_screen_mails_the_link_in_the_persons_language(secretariat, client, tx, smtp, locale, subject,
                                                                   greeting):
    response = secretariat.post("/admin/users/new", data={"email": "amina@example.org", "name": "Amina",
                                                          "role": "implementer", "locale": locale,
                                                          "organisation": _enabel_id(tx)})
    assert response.status_code == 302
    assert "/set-password/" not in secretariat.get("/admin/users/").get_data(as_text=True)
    [(_sender, recipients, message)] = smtp.messages
    assert recipients == ["amina@example.org"] and message["Subject"] == subject
    body = message.get_content()
    assert body.startswith(greeting)
    path = link_path(body)
    assert "http://localhost/set-password/" in body
    client.post("/logout")
    _set_password_through(client, path, "amina@example.org", locale)


def test_a_failed_mail_falls_back_to_showing_the_link(secretariat, tx, smtp):
    smtp.refuse.add("amina@example.org")
    response = secretariat.post("/admin/users/new", data={"email": "amina@example.org", "name": "Amina",
                                                          "role": "implementer", "organisation": _enabel_id(tx)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "could not be sent" in html and link_path(html)


def test_new_set_password_link_on_screen(secretariat, client, tx, user, smtp):
    account = user("impl.iom@example.org")
    response = secretariat.post(f"/admin/users/{account.id}/password-link")
    assert response.status_code == 302
    [(_sender, _recipients, message)] = smtp.messages
    assert message["Subject"] == "Set a new meapp password"
    assert tx.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_link",
                                              AuditEvent.entity_id == account.id)).user_id == user(SECRETARIAT).id
    client.post("/logout")
    _set_password_through(client, link_path(message.get_content()), "impl.iom@example.org")


def test_no_link_for_an_inactive_account(secretariat, tx, user):
    account = user("impl.iom@example.org")
    account.is_active_account = False
    tx.commit()
    response = secretariat.post(f"/admin/users/{account.id}/password-link", follow_redirects=True)
    assert "is inactive: reactivate the account before sending it a link" in response.get_data(as_text=True)


# --- the command line ---------------------------------------------------------------------------------


def test_cli_invite_prints_an_absolute_link_that_works(runner, client, tx, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://meapp.example.org/")
    result = runner.invoke(args=["users", "invite", "IMPL.IOM@example.org"])
    assert result.exit_code == 0, result.output
    assert "https://meapp.example.org/set-password/" in result.output
    _set_password_through(client, link_path(result.output), "impl.iom@example.org")


def test_cli_invite_mails_when_a_server_is_configured(runner, smtp):
    result = runner.invoke(args=["users", "invite", "impl.iom@example.org"])
    assert result.exit_code == 0, result.output
    assert "Sent a set-password link to impl.iom@example.org" in result.output and "/set-password/" not in result.output
    [(_sender, recipients, message)] = smtp.messages
    assert recipients == ["impl.iom@example.org"] and "http://127.0.0.1:5000/set-password/" in message.get_content()


def test_cli_create_with_invite_asks_no_password(runner, client, tx):
    result = runner.invoke(args=["users", "create", "Fatou@Example.org", "--role", "donor", "--org", "BMZ",
                                 "--invite", "--locale", "fr"])
    assert result.exit_code == 0, result.output
    assert "without a password" in result.output
    account = tx.scalar(select(User).where(User.email == "fatou@example.org"))
    assert account.organisation.name == "BMZ" and account.locale == "fr"
    _set_password_through(client, link_path(result.output), "fatou@example.org", "fr")


@pytest.mark.parametrize("args, message", [
    (["users", "invite", "nobody@example.org"], "no account with the email nobody@example.org"),
    (["users", "deactivate", "nobody@example.org"], "no account with the email nobody@example.org"),
    (["users", "activate", "nobody@example.org"], "no account with the email nobody@example.org"),
    (["users", "deactivate", "secretariat@example.org"], "last active secretariat account"),
    (["users", "create", "impl.iom@example.org", "--role", "implementer", "--org", "IOM", "--invite"],
     "already exists"),
    (["users", "create", "new@example.org", "--role", "donor", "--invite"], "belongs to an organisation"),
])
def test_cli_refusals_exit_2(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_deactivate_and_activate(runner, tx, user):
    token = user("impl.iom@example.org").session_token
    result = runner.invoke(args=["users", "deactivate", "impl.iom@example.org", "--reason", "left IOM"])
    assert result.exit_code == 0 and "Deactivated impl.iom@example.org." in result.output
    account = user("impl.iom@example.org")
    assert not account.is_active_account and account.session_token != token
    assert "already inactive" in runner.invoke(args=["users", "deactivate", "impl.iom@example.org"]).output
    refused = runner.invoke(args=["users", "invite", "impl.iom@example.org"])
    assert refused.exit_code == 2 and "is inactive" in refused.output
    result = runner.invoke(args=["users", "activate", "impl.iom@example.org"])
    assert result.exit_code == 0 and "Activated impl.iom@example.org." in result.output
    assert user("impl.iom@example.org").is_active_account
    reasons = [e.reason for e in tx.scalars(select(AuditEvent).where(AuditEvent.entity_id == account.id,
                                                                     AuditEvent.action == "user.deactivate"))]
    assert reasons == ["left IOM"]
