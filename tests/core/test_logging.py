import json
import logging

from resorption.core.logging import JsonFormatter


def test_request_is_logged_as_one_json_line_with_status_and_request_id(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="resorption.requests"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-Id"] == "abc123"
    record = next(r for r in caplog.records if r.name == "resorption.requests")
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request"
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["request_id"] == "abc123"
    assert line["user_id"] is None
    assert isinstance(line["duration_ms"], float)


def test_secret_tokens_in_urls_are_not_logged(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="resorption.requests"):
        client.get("/mot-de-passe-oublie/MQ/secret-token-value/")
    record = next(r for r in caplog.records if r.name == "resorption.requests")
    assert "secret-token-value" not in record.path
    assert record.path == "/mot-de-passe-oublie/[masqué]/[masqué]/"
