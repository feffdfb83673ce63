import json
import logging
import re

import pytest

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


@pytest.mark.parametrize(
    "given",
    [
        "abc\r\n folded",  # a folded header: copied into the response, it raised BadHeaderError
        "x" * 60_000,  # would fill the logs
        "a" * 65,
        "id with spaces",
        "<script>",
        "é",
        "",
    ],
)
def test_a_request_id_of_another_shape_is_replaced_and_never_logged(client, db, caplog, given):
    with caplog.at_level(logging.INFO, logger="resorption.requests"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response.status_code == 200
    generated = response["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    record = next(r for r in caplog.records if r.name == "resorption.requests")
    assert record.request_id == generated
    if given:
        assert given[:20] not in JsonFormatter().format(record)


def test_a_request_id_of_the_expected_shape_is_kept(client, db):
    given = "A" * 30 + "-" + "9" * 33  # 64 characters, letters, digits and hyphens
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-Id"] == given
