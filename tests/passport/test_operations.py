"""Operators' endpoints over real HTTP: readiness with projection lag, Prometheus metrics by
route template (never a token), and JSON log lines with tokens redacted."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from passport.background import FOLLOWER_JOB, lease
from passport.services import Services
from passport.settings import Settings
from passport.web.app import create_app
from passport.web.server import server_config
from tests.passport.server import free_port, running, serving
from tests.security.web_helpers import links_for


def _caught_up(settings: Settings) -> None:
    services = Services.open(settings)
    try:
        services.projections.catch_up()
    finally:
        services.close()


def _record_events_without_projecting(settings: Settings, count: int) -> None:
    """Append `count` issuer registrations to the log; the read models are left behind."""
    services = Services.open(settings)
    try:
        for n in range(count):
            services.awarding.register_issuer(
                f"lag-{n}", f"Lag Academy {n}", f"https://lag{n}.example", datetime.now(UTC)
            )
    finally:
        services.close()


def metric_samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each sample of a Prometheus text answer by name: its labels and value."""
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def test_ready_when_the_database_answers_and_the_read_models_keep_up(settings, seeded):
    """A caught-up ledger is ready (200), and the body says the database answered and the lag."""
    _caught_up(settings)
    with serving(settings) as base:
        response = httpx.get(f"{base}/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["projectionLag"]["ok"] is True
    assert body["checks"]["projectionLag"]["events"] == 0


def test_not_ready_when_the_read_models_lag_beyond_the_bound(settings, seeded):
    """Three events past the read models with a bound of two: 503, naming the lag and not the
    database as the reason."""
    _caught_up(settings)
    _record_events_without_projecting(settings, 3)
    lagging = settings.model_copy(update={"ready_max_lag": 2})
    follower = lease(settings, FOLLOWER_JOB)
    assert follower.acquire()  # another process's follower, applying nothing meanwhile
    try:
        with serving(lagging, settle=False) as base:
            response = httpx.get(f"{base}/readyz")
    finally:
        follower.release()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    lag = body["checks"]["projectionLag"]
    assert lag["ok"] is False
    assert lag["events"] >= 3
    assert lag["bound"] == 2


def test_metrics_label_latency_by_route_template_and_never_carry_a_token(settings, seeded):
    """After a share page, a personal page and an unknown address, /metrics has their latency
    under the route templates, the lag, awards and checkpoint age; no token appears anywhere."""
    links = links_for(settings, seeded["Amira Okafor"])
    _caught_up(settings)
    with serving(settings) as base, httpx.Client(base_url=base) as http:
        assert http.get(links.share).status_code == 200
        assert http.get(links.me).status_code == 200
        assert http.get("/no/such/address-with-secret-ish-path").status_code == 404
        assert http.get("/log/checkpoint").status_code == 200
        response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for token in (links.share.rsplit("/", 1)[1], links.me.rsplit("/", 1)[1]):
        assert token not in text
    assert "address-with-secret-ish-path" not in text
    samples = metric_samples(text)
    routes = {
        labels["route"] for labels, _ in samples["passport_http_request_duration_seconds_count"]
    }
    assert {"/s/{token}", "/me/{token}", "unmatched"} <= routes
    assert samples["passport_projection_lag_events"][0][1] == 0
    assert samples["passport_checkpoint_age_seconds"][0][1] >= 0
    assert "passport_awards_recorded_total" in samples


def test_awards_recorded_counts_each_award(settings, api):
    """Recording one award through the API raises the awards counter by one."""

    def awards() -> float:
        return metric_samples(api.http.get("/metrics").text)["passport_awards_recorded_total"][0][1]

    from tests.api_client import ACHIEVEMENT, award_body  # noqa: PLC0415

    account, token = api.register("Metrics Academy")
    base = f"/api/v1/issuers/{account['id']}"
    achievement = api.http.post(f"{base}/achievements", headers=token, json=ACHIEVEMENT).json()
    before = awards()
    award = api.http.post(f"{base}/awards", headers=token, json=award_body(achievement["id"]))
    assert award.status_code == 201, award.text
    assert awards() == before + 1


def test_metrics_need_the_configured_token(settings):
    """With PASSPORT_METRICS_TOKEN set, /metrics answers 401 without it or with another, and
    200 with it."""
    guarded = settings.model_copy(update={"metrics_token": "scrape-secret"})
    with serving(guarded) as base, httpx.Client(base_url=base) as http:
        assert http.get("/metrics").status_code == 401
        wrong = http.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        right = http.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert right.status_code == 200
        assert "passport_projection_lag_events" in right.text


@pytest.fixture
def restored_logging():
    """Put the process's logging back as it was after a test reconfigures it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def test_json_logs_are_one_object_per_line_without_tokens(
    settings, seeded, capsys, restored_logging
):
    """With the JSON log format, each access log line is a JSON object naming the path with the
    personal token replaced by an ellipsis."""
    links = links_for(settings, seeded["Amira Okafor"])
    port = free_port()
    config = server_config(
        create_app(settings), host="127.0.0.1", port=port, log_level="info", log_format="json"
    )
    with running(uvicorn.Server(config)), httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        assert http.get(links.me).status_code == 200
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    token = links.me.rsplit("/", 1)[1]
    assert all(token not in line for line in lines)
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert any("/me/…" in r["message"] for r in access)
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
