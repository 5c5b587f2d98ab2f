"""Every response carries the browser security headers; personal data is never cached, and
public documents keep their caching."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import httpx
import pytest

from passport.settings import Settings
from tests.security.certificates import self_signed
from tests.security.web_helpers import Links, links_for, served

TEMPLATES = Path(__file__).parents[2] / "passport" / "web" / "templates"
HTML = {"Accept": "text/html"}


@pytest.fixture
def amira(settings: Settings, seeded: dict[str, str]) -> Links:
    """Amira's personal link and a share of everything."""
    return links_for(settings, seeded["Amira Okafor"])


def _directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


def _operator(http: httpx.Client, links: Links) -> dict[str, str]:
    token = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=links.operator
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_pages_forbid_script_framing_sniffing_and_referrers(settings, amira):
    """The learner's and the employer's pages: a CSP allowing only the site's own script files
    (no inline script or style, no other host), no framing, nosniff and no Referer; over plain
    HTTP no HSTS."""
    with served(settings) as base, httpx.Client(base_url=base) as http:
        for path in (amira.me, amira.share, f"{amira.me}/erase", "/no/such/page"):
            response = http.get(path, headers=HTML)
            directives = _directives(response)
            assert directives["default-src"] == "'none'", path
            assert directives["script-src"] == "'self'", path
            assert "unsafe-inline" not in response.headers["content-security-policy"], path
            assert directives["frame-ancestors"] == "'none'", path
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["referrer-policy"] == "no-referrer", path
            assert "strict-transport-security" not in response.headers, path


def test_personal_data_is_never_stored_by_a_cache(settings, amira):
    """Learner page, downloads, the share page and presentation, the operator's passport JSON
    and export: all `Cache-Control: no-store`."""
    with served(settings) as base, httpx.Client(base_url=base) as http:
        operator = _operator(http, amira)
        responses = [
            http.get(amira.me, headers=HTML),
            http.get(f"{amira.me}/passport.json"),
            http.get(amira.share, headers=HTML),
            http.get(amira.share, headers={"Accept": "application/json"}),
            http.get(f"/api/v1/learners/{amira.learner_id}/passport", headers=operator),
            http.get(f"/api/v1/learners/{amira.learner_id}/export", headers=operator),
        ]
    for response in responses:
        assert response.status_code == 200, response.url
        assert response.headers["cache-control"] == "no-store", response.url


def test_public_documents_keep_their_caching(settings, amira):
    """Status lists, DID documents and the checkpoint stay cacheable by anyone."""
    with served(settings) as base, httpx.Client(base_url=base) as http:
        credential = http.get(f"{amira.me}/passport.json").json()["verifiableCredential"][0]
        status_url = credential["credentialStatus"]["statusListCredential"]
        issuer = credential["issuer"]["id"]  # did:web:passport.test:issuers:SLUG
        assert issuer.startswith("did:web:")
        status = http.get(httpx.URL(status_url).path)
        did = http.get("/" + "/".join(issuer.split(":")[3:]) + "/did.json")
        checkpoint = http.get("/log/checkpoint")
    for response in (status, did, checkpoint):
        assert response.status_code == 200, response.url
        assert response.headers["cache-control"].startswith("public, max-age="), response.url


def test_hsts_is_sent_over_tls(settings, seeded, tmp_path):
    """Served over HTTPS (`passport serve --tls-cert … --tls-key …`), every response says
    to keep to HTTPS."""
    cert, key = self_signed(tmp_path, "localhost", ip="127.0.0.1")
    with (
        served(settings, tls=(cert, key)) as base,
        httpx.Client(base_url=base, verify=ssl.create_default_context(cafile=cert)) as http,
    ):
        health = http.get("/healthz")
        missing = http.get("/me/not-a-token", headers=HTML)
    for response in (health, missing):
        assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_api_browser_runs_only_its_own_script(settings, seeded):
    """/docs runs only script files from this site (Swagger UI and its starter), no inline
    script at all; the OAuth redirect page's inline script is allowed by its hash alone."""
    with served(settings) as base, httpx.Client(base_url=base) as http:
        docs = http.get("/docs")
        redirect = http.get("/docs/oauth2-redirect")
    scripts = _directives(docs)["script-src"]
    assert scripts.split() == ["'self'"]
    assert "<script>" not in docs.text
    assert "'sha256-" in _directives(redirect)["script-src"]
    assert "unsafe-inline" not in _directives(redirect)["script-src"]
    assert "http" not in docs.headers["content-security-policy"]  # no CDN: served from here
    assert _directives(docs)["frame-ancestors"] == "'none'"


def test_templates_hold_no_inline_script_or_style():
    """What the CSP forbids is not in the markup: no inline <script> (only ones loading a file
    of our own), no <style>, style= or on…=."""
    forbidden = re.compile(
        r"<script(?![^>]*\ssrc=\"/static/)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE
    )
    for template in TEMPLATES.glob("**/*.html"):
        assert not forbidden.search(template.read_text()), template.name
