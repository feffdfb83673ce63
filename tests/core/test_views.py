from django.urls import reverse


def test_home_is_public_and_offers_login_and_access_request(client, db):
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Se connecter" in html
    assert reverse("accounts:access_request") in html
    assert "République<br>Française" in html


def test_healthz_answers_ok_when_database_is_reachable(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_legal_pages_are_public(client, db):
    for name in ("core:legal", "core:accessibility", "core:privacy"):
        assert client.get(reverse(name)).status_code == 200


def test_healthz_answers_503_when_database_is_unreachable(client, db, monkeypatch):
    from django.db import DatabaseError, connection

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
