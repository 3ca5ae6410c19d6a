from meapp.auth.models import Role
from tests.conftest import DEMO_PASSWORD


def test_login_with_right_password(client):
    response = client.post("/login", data={"email": "Secretariat@Example.org ", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_login_says_the_same_whether_the_email_exists(client):
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "whatever-123"})
    wrong = client.post("/login", data={"email": "secretariat@example.org", "password": "whatever-123"})
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong email or password." in unknown.get_data(as_text=True)
    assert "Wrong email or password." in wrong.get_data(as_text=True)


def test_login_redirects_only_to_local_paths(client):
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": "secretariat@example.org", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/projects/PALIM",
                           data={"email": "secretariat@example.org", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/projects/PALIM"


def test_invalid_login_form_keeps_input_and_speaks_french(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""},
                           headers={"Accept-Language": "fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="not-an-email"' in html
    assert "Ce champ est requis." in html
    assert "Adresse électronique non valide." in html


def test_logout_rotates_the_session_token(client, login, user):
    login("impl.belgium@example.org")
    before = user("impl.belgium@example.org").session_token
    with client.session_transaction() as session:
        stolen = dict(session)
    assert client.post("/logout").status_code == 302
    assert user("impl.belgium@example.org").session_token != before
    with client.session_transaction() as session:
        session.update(stolen)  # a copied cookie no longer works
    assert client.get("/").status_code == 302


def test_passwords_are_hashed(user):
    account = user("secretariat@example.org")
    assert DEMO_PASSWORD not in account.password_hash
    assert account.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert account.role is Role.SECRETARIAT


def test_csrf_is_required_on_forms(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "secretariat@example.org", "password": DEMO_PASSWORD})
        assert response.status_code == 400
        assert "security token" in response.get_data(as_text=True)
        page = client.get("/login").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_profile_change_language_and_password(client, login, user):
    login("impl.enabel@example.org")
    response = client.post("/profile", data={"name": "Amina", "locale": "fr", "current_password": "wrong",
                                             "new_password": "a-new-password-1", "confirm_password": "a-new-password-1"},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert "Ce n’est pas votre mot de passe actuel." in response.get_data(as_text=True)
    response = client.post("/profile", data={"name": "Amina", "locale": "fr", "current_password": DEMO_PASSWORD,
                                             "new_password": "a-new-password-1", "confirm_password": "a-new-password-1"})
    assert response.status_code == 302
    account = user("impl.enabel@example.org")
    assert account.locale == "fr" and account.name == "Amina"
    assert account.check_password("a-new-password-1")
    assert "Bienvenue, Amina" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_profile_invalid_fields_re_render_with_errors(client, login):
    login("impl.enabel@example.org")
    response = client.post("/profile", data={"name": "", "locale": "xx", "new_password": "short",
                                             "confirm_password": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Not a valid choice." in html
    assert "The two passwords differ." in html


def test_next_with_a_line_break_is_not_followed(client):
    response = client.post("/login?next=/%0d%0aX:1", data={"email": "secretariat@example.org",
                                                            "password": DEMO_PASSWORD})
    assert response.status_code == 400 and "Location" not in response.headers  # refused before the view
    response = client.post("/login?next=//evil.example/", data={"email": "secretariat@example.org",
                                                                "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = client.post("/language/fr", data={"next": "/x\r\ny"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_control_characters_are_refused_in_forms(client, login):
    login("impl.enabel@example.org")
    response = client.post("/profile", data={"name": "a\x00b", "locale": "en"})
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert client.get("/projects/?q=a%00b").status_code == 400


def test_error_pages_speak_the_language(client):
    response = client.get("/logout", headers={"Accept-Language": "fr"})
    assert response.status_code == 405
    assert "Requête incomprise" in response.get_data(as_text=True)
