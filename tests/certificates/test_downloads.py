"""Certificates and baked badges downloaded over real HTTP, then run through `passport verify`."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fpdf import FPDF
from PIL import PngImagePlugin
from pypdf import PdfReader

from passport.demo import seed_demo
from passport.services import Services
from passport.settings import Settings
from tests.passport.server import free_port, serving
from tests.passport.test_cli import pin_registry, run

HTML = {"Accept": "text/html"}
MONTHS = "January February March April May June July August September October November December"


@pytest.fixture
def live(settings: Settings) -> Settings:
    """Settings whose base URL is where the app is served, so status lists can be fetched."""
    return settings.model_copy(update={"base_url": f"http://127.0.0.1:{free_port()}"})


@pytest.fixture
def demo(live: Settings) -> dict[str, dict[str, str]]:
    """The demo ledger, its registry pinned by the employer: learner name to links."""
    settings = live
    services = Services.open(settings)
    try:
        learners = seed_demo(services, datetime.now(UTC)).learners
    finally:
        services.close()
    pin_registry(settings)
    return {
        str(x["name"]): {
            "id": str(x["id"]),
            "me": urlsplit(str(x["passport_url"])).path,
            "share": urlsplit(str(x["share_url"])).path,
        }
        for x in learners
    }


@pytest.fixture
def http(live: Settings, demo: dict[str, dict[str, str]]) -> Iterator[httpx.Client]:
    port = int(live.base_url.rsplit(":", 1)[1])
    with serving(live, port) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def _saved(response: httpx.Response, folder: Path) -> Path:
    """The download saved under the name its Content-Disposition gives, as a browser would."""
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    name = response.headers["content-disposition"].split('filename="')[1].rstrip('"')
    path = folder / name
    path.write_bytes(response.content)
    return path


def _long_date(iso: str) -> str:
    """5 February 2027, from 2027-02-05 (the NHS style for dates)."""
    year, month, day = (int(p) for p in iso[:10].split("-"))
    return f"{day} {MONTHS.split()[month - 1]} {year}"


def _text(pdf: Path) -> str:
    return " ".join((p.extract_text() or "") for p in PdfReader(pdf).pages).replace("\n", " ")


def test_a_credential_certificate_prints_what_it_certifies_and_verifies(live, http, demo, tmp_path):
    """The learner's PDF names them, the achievement, issuer and date, has a readable file name,
    carries the signed credential with its proofs, and `passport verify` accepts it offline."""
    me = demo["Priya Raman"]["me"]
    credential = http.get(f"{me}/passport.json").json()["verifiableCredential"][0]
    slug = credential["id"].removeprefix("urn:uuid:")
    assert f'href="{me}/certificates/{slug}.pdf"' in http.get(me, headers=HTML).text
    pdf = _saved(http.get(f"{me}/certificates/{slug}.pdf"), tmp_path)
    assert credential["name"] == "Resuscitation Level 2 (CSTF)"
    assert pdf.name == f"Resuscitation-Level-2-CSTF-{credential['validFrom'][:10]}.pdf"
    assert slug not in pdf.name
    text = _text(pdf)
    assert "Priya Raman" in text and credential["name"] in text
    issuer = credential["issuer"]["name"]
    assert f"Issued by {issuer} on {_long_date(credential['validFrom'])}" in text
    attached = json.loads(next(iter(PdfReader(pdf).attachments.values()))[0])
    assert attached["verifiableCredential"] == [credential]
    done = run(live, "verify", str(pdf))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "carried in the PDF's attachment" in done.stdout


@pytest.mark.parametrize("form", ["png", "svg"])
def test_a_baked_badge_carries_the_credential_and_verifies(live, http, demo, tmp_path, form):
    """The baked badge is an image with the credential where OB 3.0 §5.3 puts it; it verifies
    with the issuer's current status list (offline, its status cannot be known)."""
    me = demo["Priya Raman"]["me"]
    credential = http.get(f"{me}/passport.json").json()["verifiableCredential"][0]
    slug = credential["id"].removeprefix("urn:uuid:")
    badge = _saved(http.get(f"{me}/certificates/{slug}.{form}"), tmp_path)
    assert badge.suffix == f".{form}"
    if form == "png":
        image = PngImagePlugin.PngImageFile(io.BytesIO(badge.read_bytes()))
        assert json.loads(image.text["openbadgecredential"]) == credential
    else:
        assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in badge.read_bytes()
    offline = run(live, "verify", str(badge), "--json")  # a bare credential carries no status
    assert offline.returncode == 1
    assert "status" in {
        k["id"]
        for c in json.loads(offline.stdout)["credentials"]
        for k in c["checks"]
        if k["outcome"] == "unknown"
    }
    done = run(live, "verify", str(badge), "--online", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["verified"] is True


def test_the_whole_passport_pdf_carries_the_passport_file(live, http, demo, tmp_path):
    """The whole-passport PDF lists every credential and verifies as the passport file does."""
    me = demo["Priya Raman"]["me"]
    pdf = _saved(http.get(f"{me}/certificates/passport.pdf"), tmp_path)
    assert pdf.name.startswith("Staff-Passport-Priya-Raman-")
    done = run(live, "verify", str(pdf), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["kind"] == "passport"


def test_an_employer_downloads_only_what_the_share_includes(live, http, demo, tmp_path):
    """Through a share of one credential, that one downloads (with the share's QR link) and
    verifies; another credential of the same learner is the same not-found as a bad token."""
    me = demo["Priya Raman"]["me"]
    held = http.get(f"{me}/passport.json").json()["verifiableCredential"]
    chosen, other = held[0]["id"], held[1]["id"]
    created = http.post(f"{me}/shares", headers=HTML, data={"credential": chosen, "days": "7"})
    assert created.status_code == 201, created.text
    share = urlsplit(created.text.split('id="new-share-url">')[1].split("<")[0]).path
    slug = chosen.removeprefix("urn:uuid:")
    assert f'href="{share}/certificates/{slug}.pdf"' in http.get(share, headers=HTML).text
    pdf = _saved(http.get(f"{share}/certificates/{slug}.pdf"), tmp_path)
    text = _text(pdf)
    assert "Priya Raman" not in text  # the name was not shared
    assert f"/s/{share.removeprefix('/s/')}" in text.replace(" ", "")
    assert run(live, "verify", str(pdf)).returncode == 0
    whole = _saved(http.get(f"{share}/certificates/passport.pdf"), tmp_path)
    attached = json.loads(next(iter(PdfReader(whole).attachments.values()))[0])
    assert [c["id"] for c in attached["verifiableCredential"]] == [chosen]
    unknown = http.get(f"/s/{'x' * 43}/certificates/{slug}.pdf", headers=HTML)
    hidden = http.get(f"{share}/certificates/{other.removeprefix('urn:uuid:')}.pdf", headers=HTML)
    assert unknown.status_code == hidden.status_code == 404
    assert hidden.text == unknown.text


def test_certificate_links_that_lead_nowhere_are_the_not_found_page(http, demo):
    """Unknown or malformed personal links, and another learner's credential, answer 404."""
    me, other = demo["Priya Raman"]["me"], demo["Amira Okafor"]["me"]
    credential = http.get(f"{me}/passport.json").json()["verifiableCredential"][0]
    slug = credential["id"].removeprefix("urn:uuid:")
    for path in (
        f"/me/{'y' * 43}/certificates/{slug}.pdf",
        f"/me/bad!/certificates/{slug}.png",
        f"{other}/certificates/{slug}.svg",
        f"/me/{'y' * 43}/certificates/passport.pdf",
    ):
        response = http.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "This link does not work" in response.text


def test_a_revoked_credentials_certificate_says_so_and_fails_verification(
    live, http, demo, tmp_path
):
    """Tomasz's revoked certificate prints "Revoked" and `passport verify` names the status."""
    me = demo["Tomasz Nowak"]["me"]
    held = http.get(f"{me}/passport.json").json()["verifiableCredential"]
    revoked = next(c for c in held if c["name"] == "Digital Academy Online Foundation Certificate")
    slug = revoked["id"].removeprefix("urn:uuid:")
    pdf = _saved(http.get(f"{me}/certificates/{slug}.pdf"), tmp_path)
    assert "Revoked as on" in _text(pdf)
    done = run(live, "verify", str(pdf), "--json")
    assert done.returncode == 1
    problems = {k["problem"] for c in json.loads(done.stdout)["credentials"] for k in c["checks"]}
    assert "revoked" in problems


def test_a_certificate_whose_attachment_was_edited_fails_the_proof(live, http, demo, tmp_path):
    """Re-issue a downloaded certificate with one word of the attached credential changed:
    `passport verify` exits 1 and names the proof check."""
    me = demo["Priya Raman"]["me"]
    held = http.get(f"{me}/passport.json").json()["verifiableCredential"][0]
    slug = held["id"].removeprefix("urn:uuid:")
    pdf = _saved(http.get(f"{me}/certificates/{slug}.pdf"), tmp_path)
    name, [data] = next(iter(PdfReader(pdf).attachments.items()))
    tampered = data.decode().replace("Resuscitation Level 2", "Resuscitation Level 3", 1)
    assert tampered != data.decode()
    forged = FPDF()
    forged.add_page()
    forged.embed_file(bytes=tampered.encode(), basename=name)
    out = tmp_path / "forged.pdf"
    out.write_bytes(bytes(forged.output()))
    done = run(live, "verify", str(out), "--json")
    assert done.returncode == 1
    failed = {
        (k["id"], k["problem"])
        for c in json.loads(done.stdout)["credentials"]
        for k in c["checks"]
        if k["outcome"] == "failed"
    }
    assert ("proof", "bad_signature") in failed


def test_the_qr_code_of_a_learners_certificate_opens_a_check_that_names_no_one(
    http, demo, tmp_path
):
    """The learner's certificate links to a public check of that credential: genuine for a good
    one, not for a revoked one, the holder's name nowhere, and unknown ids not found."""
    me = demo["Priya Raman"]["me"]
    credential = http.get(f"{me}/passport.json").json()["verifiableCredential"][0]
    slug = credential["id"].removeprefix("urn:uuid:")
    text = _text(_saved(http.get(f"{me}/certificates/{slug}.pdf"), tmp_path))
    assert f"/c/{slug}" in text.replace(" ", "")
    check = http.get(f"/c/{slug}", headers=HTML)
    assert check.status_code == 200
    assert "This certificate is genuine" in check.text
    assert credential["name"] in check.text and "Priya" not in check.text
    tomasz = demo["Tomasz Nowak"]["me"]
    held = http.get(f"{tomasz}/passport.json").json()["verifiableCredential"]
    revoked = next(c for c in held if c["name"] == "Digital Academy Online Foundation Certificate")
    bad = http.get(f"/c/{revoked['id'].removeprefix('urn:uuid:')}", headers=HTML)
    assert "did not pass every check" in bad.text and "Tomasz" not in bad.text
    for unknown in ("00000000-0000-4000-8000-000000000000", "not-an-id"):
        assert http.get(f"/c/{unknown}", headers=HTML).status_code == 404
