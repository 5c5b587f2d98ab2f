"""The small holes: a GET that signed, a token endpoint that spoke the wrong error, malformed
links answered as JSON, CLI tracebacks on file errors, and JSON that names a key twice."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from passport.log import checkpoints
from passport.services import Services
from passport.settings import Settings
from tests.passport.test_cli import run
from tests.security.web_helpers import Links, links_for, served

HTML = {"Accept": "text/html"}


@pytest.fixture
def grace(settings: Settings, seeded: dict[str, str]) -> Links:
    """Grace's personal link and a share of everything."""
    return links_for(settings, seeded["Grace Mensah"])


@pytest.fixture
def http(settings: Settings, grace: Links) -> Iterator[httpx.Client]:
    """A client of the app as served."""
    with served(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def _signed_sizes(settings: Settings) -> list[int]:
    services = Services.open(settings)
    try:
        return [size for size, _, _ in checkpoints(services)]
    finally:
        services.close()


def test_reading_the_checkpoint_signs_nothing(settings, seeded, grace, http):
    """`GET /log/checkpoint` serves the newest signed checkpoint and writes none, however the
    log grew; `passport log checkpoint` signs."""
    assert run(settings, "log", "checkpoint").returncode == 0
    signed = _signed_sizes(settings)
    served_note = http.get("/log/checkpoint")
    assert served_note.status_code == 200
    links_for(settings, seeded["Amira Okafor"])  # the log grows (a new operator client)
    for _ in range(3):
        assert http.get("/log/checkpoint").text == served_note.text
    assert _signed_sizes(settings) == signed
    assert run(settings, "log", "checkpoint").returncode == 0
    newer = http.get("/log/checkpoint").text
    assert newer != served_note.text and len(_signed_sizes(settings)) == len(signed) + 1


def test_before_any_checkpoint_the_answer_says_how_to_get_one(settings):
    """A ledger with no checkpoint (the server signing only on demand) answers 404 saying what
    signs one, and reading signs nothing."""
    on_demand = settings.model_copy(update={"checkpoint_interval": 0})
    with served(on_demand) as base, httpx.Client(base_url=base, timeout=30) as http:
        for _ in range(2):
            missing = http.get("/log/checkpoint")
            assert missing.status_code == 404
            assert "passport log checkpoint" in missing.json()["detail"]


def test_a_json_token_request_is_an_oauth_invalid_request(http, grace):
    """RFC 6749 §4.4.2: the token request is form-encoded; JSON gets `invalid_request`
    saying so, not a validation error about a missing field."""
    client_id, secret = grace.operator
    sent = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    response = http.post("/oauth/token", json=sent)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in response.json()["error_description"]


@pytest.mark.parametrize(
    "token", ["short", "a" * 101, "not!a~token*at-all.but.long", "%ED%A0%80" * 8]
)
def test_a_malformed_link_gets_the_same_page_as_an_unknown_one(http, token):
    """A malformed personal or share token is one more link that leads nowhere: the same 404
    page as an unknown token, never a 422 in JSON."""
    unknown = "A" * 43
    for prefix in ("/me/", "/s/"):
        expected = http.get(prefix + unknown, headers=HTML)
        response = http.get(prefix + token, headers=HTML)
        assert response.status_code == expected.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert response.text == expected.text
    posted = http.post(f"/me/{token}/link", headers=HTML)
    assert posted.status_code == 404 and posted.headers["content-type"].startswith("text/html")


def test_cli_file_errors_are_one_line_with_exit_2(settings, seeded, tmp_path):
    """Writing an export where it cannot go, reading a directory or a missing CSV: one line,
    exit 2, no traceback."""
    cases = [
        ("export", seeded["Grace Mensah"], "-o", "/no/such/dir/p.json"),
        ("verify", str(tmp_path)),
        ("award", "--issuer", "00000000-0000-0000-0000-000000000000", "--csv", "/no/such.csv"),
    ]
    for args in cases:
        done = run(settings, *args)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr, args
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("error: ")


DUPLICATED = (
    '{"verifiableCredential": {"@context": ["https://www.w3.org/ns/credentials/v2"], '
    '"type": ["VerifiableCredential"], "issuer": "did:example:1", '
    '"credentialSubject": {"name": "Real Name", "name": "Other Name"}}}'
)


def test_duplicate_json_keys_are_refused_wherever_json_comes_in(http, settings, tmp_path):
    """The same key twice in one object: 400 problem naming the key on every endpoint FastAPI
    reads JSON from (before authentication), and exit 2 from `passport verify`."""
    for path in ("/credentials/verify", "/presentations/verify", "/api/v1/admin/issuers"):
        for media in ("application/json", "application/ld+json", "text/json", None):
            headers = {"Content-Type": media} if media else {}
            response = http.post(path, content=DUPLICATED, headers=headers)
            assert response.status_code == 400, (path, media)
            assert response.headers["content-type"] == "application/problem+json"
            assert "'name' appears twice" in response.json()["detail"]
    single = json.dumps(json.loads(DUPLICATED))  # the same document with the key once
    once = http.post(
        "/credentials/verify", content=single, headers={"Content-Type": "application/json"}
    )
    assert "twice" not in once.text
    document = tmp_path / "duplicated.json"
    document.write_text(DUPLICATED)
    refused = run(settings, "verify", str(document))
    assert refused.returncode == 2 and "'name' appears twice" in refused.stderr


def test_the_body_limits_still_hold(http):
    """Over 1 MB: 413; chunked without a length: 411 (both before anything is parsed)."""
    big = http.post("/credentials/verify", content=b"x" * (1024 * 1024 + 1))
    assert big.status_code == 413

    def chunks() -> Iterator[bytes]:
        yield b"{}"

    chunked = http.post("/credentials/verify", content=chunks())
    assert chunked.status_code == 411
