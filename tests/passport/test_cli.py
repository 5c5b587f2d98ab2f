"""The `passport` command line, run as a user runs it: a real process on a real store."""

from __future__ import annotations

import ipaddress
import json
import ssl
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from passport.services import Services
from passport.settings import Settings
from tests.commands import PASSPORT, passport_env
from tests.passport.server import free_port, serving
from tests.tamper import flip_byte


def run(
    settings: Settings, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[Any]:
    """Run `passport ARGS…` against the given store."""
    env = {
        **passport_env(settings),
        **({"PASSPORT_SMTP_URL": settings.smtp_url} if settings.smtp_url else {}),
        "PASSPORT_TRUST_DIR": str(settings.key_dir.parent / "trust"),
    }
    return subprocess.run(
        [PASSPORT, *args],
        env=env,
        capture_output=True,
        text=stdin is None,
        input=stdin,
        timeout=120,
        check=False,
        cwd=settings.key_dir.parent,
    )


def pin_registry(settings: Settings) -> str:
    """Pin the ledger's registry as an employer would: the document saved to a file, and the
    fingerprint `passport registry show` prints (told out of band). Returns the fingerprint."""
    shown = run(settings, "registry", "show")
    assert shown.returncode == 0, shown.stderr
    command = next(line for line in shown.stdout.splitlines() if "passport trust add" in line)
    fingerprint = command.rsplit(" ", 1)[1]
    saved = settings.key_dir.parent / "registry.json"
    saved.write_text(run(settings, "registry", "show", "--json").stdout)
    added = run(settings, "trust", "add", str(saved), "--fingerprint", fingerprint)
    assert added.returncode == 0, added.stderr
    return fingerprint


@pytest.fixture
def demo(settings: Settings) -> dict[str, list[dict[str, str]]]:
    """The demo ledger, seeded through the CLI, and its registry pinned by the employer."""
    done = run(settings, "demo", "--json")
    assert done.returncode == 0, done.stderr
    pin_registry(settings)
    return json.loads(done.stdout)


def _learner(demo: dict[str, list[dict[str, str]]], name: str) -> str:
    return next(x["id"] for x in demo["learners"] if x["name"] == name)


def test_demo_seeds_once_and_prints_its_ids(settings, demo):
    """`passport demo --json` lists one academy and five learners with their personal and share
    links; a second run adds nothing to the log and leaves the printed links working (issue 13
    #11); `--new-links` prints fresh ones, and only then does the old personal link stop."""
    assert len(demo["issuers"]) == 1
    assert demo["issuers"][0]["did"] == "did:web:passport.test:issuers:nhs-digital-academy"
    assert len(demo["learners"]) == 5
    for learner in demo["learners"]:
        assert learner["passport_url"].startswith("https://passport.test/me/")
        assert learner["share_url"].startswith("https://passport.test/s/")
    again = json.loads(run(settings, "demo", "--json").stdout)
    assert again["issuers"] == demo["issuers"]
    assert [(x["id"], x["name"]) for x in again["learners"]] == [
        (x["id"], x["name"]) for x in demo["learners"]
    ]
    assert all(x["passport_url"] is None for x in again["learners"])
    first = demo["learners"][0]["passport_url"].removeprefix("https://passport.test/me/")
    services = Services.open(settings)
    try:
        assert services.sharing.learner_for(first) == demo["learners"][0]["id"]
    finally:
        services.close()
    plain = run(settings, "demo")
    assert "the links printed before still work" in plain.stdout
    fresh = json.loads(run(settings, "demo", "--json", "--new-links").stdout)
    assert fresh["learners"][0]["passport_url"] != demo["learners"][0]["passport_url"]
    services = Services.open(settings)
    try:
        assert services.sharing.learner_for(first) is None
    finally:
        services.close()
    # 52 events of awards by hand, 15 of the EPR skills programme (modules, award by the ledger),
    # 1 maintenance rule, 14 of the accrediting body (with its registry entry and its
    # recognition as an accrediting body), its endorsements and the reviews
    assert "intact: 82 events" in run(settings, "audit").stdout


def test_exported_passport_verifies_offline(settings, demo, tmp_path):
    """A learner with only good credentials exports a passport that verifies: exit 0; the EPR
    skills certificate the ledger awarded her names, as evidence, module credentials that the
    same export carries."""
    out = tmp_path / "priya.json"
    done = run(settings, "export", _learner(demo, "Priya Raman"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    bundle = json.loads(out.read_text())
    credentials = bundle["verifiableCredential"]
    assert len(credentials) == 7  # 3 awarded by hand, 3 EPR skills modules, their certificate
    (certificate,) = [c for c in credentials if "evidence" in c]
    assert certificate["name"] == "Digital Academy EPR Skills Certificate"
    carried = {c["id"] for c in credentials}
    assert len(certificate["evidence"]) == 3
    assert {e["id"] for e in certificate["evidence"]} <= carried
    verified = run(settings, "verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_passport_holding_a_revoked_credential_fails_naming_it(settings, demo, tmp_path):
    """Tomasz's foundation certificate was revoked: verify says so for that credential, exit 1."""
    out = tmp_path / "tomasz.json"
    run(settings, "export", _learner(demo, "Tomasz Nowak"), "-o", str(out))
    done = run(settings, "verify", str(out), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    revoked = [
        c
        for c in report["credentials"]
        if any(k["id"] == "status" and k["problem"] == "revoked" for k in c["checks"])
    ]
    assert sorted((c["name"], c["form"]) for c in revoked) == [
        ("Digital Academy Online Foundation Certificate", "eddsa-jcs-2022"),
        ("Digital Academy Online Foundation Certificate (JWT)", "vc+jwt"),
    ]
    others = [c for c in report["credentials"] if c not in revoked]
    assert others and all(c["verified"] for c in others)


def test_one_changed_character_in_an_exported_credential_fails_the_proof(settings, demo, tmp_path):
    """Edit a credential inside the passport file: verify exits 1 and names the proof check."""
    out = tmp_path / "priya.json"
    run(settings, "export", _learner(demo, "Priya Raman"), "-o", str(out))
    text = out.read_text()
    tampered = text.replace("EPR Deployment Skills", "EPR Deployment Skilks", 1)
    assert tampered != text
    out.write_text(tampered)
    done = run(settings, "verify", str(out), "--json")
    assert done.returncode == 1
    failed = {
        (k["id"], k["problem"])
        for c in json.loads(done.stdout)["credentials"]
        for k in c["checks"]
        if k["outcome"] == "failed"
    }
    assert ("proof", "bad_signature") in failed


def test_verify_reads_stdin_and_refuses_unusable_input_with_exit_2(settings, tmp_path):
    """Not JSON, or no such file: exit 2 with a one-line reason, no traceback."""
    done = run(settings, "verify", "-", stdin=b"this is not a credential")
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert done.stderr.count(b"\n") == 1
    missing = run(settings, "verify", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


def test_export_of_an_unknown_learner_is_a_clear_error(settings, demo):
    """Exporting a learner who does not exist says so and exits 2."""
    done = run(settings, "export", "00000000-0000-0000-0000-000000000000")
    assert done.returncode == 2
    assert "no learner" in done.stderr


def test_audit_names_the_first_tampered_event(settings, demo):
    """Flip one byte of a stored event (SQLite file or PostgreSQL): audit exits 1 and names it."""
    flip_byte(settings, position=5, offset=30)
    done = run(settings, "audit")
    assert done.returncode == 1
    assert "log position 5" in done.stdout
    assert "4 events before it verified" in done.stdout


def test_rebuild_reports_the_events_it_replayed(settings, demo):
    """`passport projections rebuild` replays the whole log and the passport is unchanged."""
    learner = _learner(demo, "Amira Okafor")
    before = run(settings, "export", learner)
    done = run(settings, "projections", "rebuild")
    assert done.returncode == 0
    assert "from 82 events" in done.stdout
    after = run(settings, "export", learner)
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k not in ("id", "staffPassport")}  # noqa: E731
    assert strip(after.stdout) == strip(before.stdout)


def test_missing_passphrase_is_a_clear_error(settings):
    """With no key-store passphrase the CLI says which setting to provide, exit 2."""
    bare = settings.model_copy(update={"key_passphrase": ""})
    done = run(bare, "audit")
    assert done.returncode == 2
    assert "PASSPORT_KEY_PASSPHRASE" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [("serve", "--port", "1"), ("demo",)])
def test_a_bad_role_catalogue_is_named_before_anything_starts(
    settings, tmp_path, monkeypatch, command
):
    """An organisation's role file with an unknown subject: exit 2 naming the file and field."""
    roles = tmp_path / "roles.json"
    roles.write_text(
        json.dumps(
            {
                "subjects": [
                    {"code": "CSTF-FIRE", "name": "Fire Safety", "framework": "CSTF", "levels": [1]}
                ],
                "roles": [
                    {
                        "id": "porter",
                        "name": "Porter",
                        "description": "Moves patients and equipment.",
                        "requirements": [
                            {"subject": "CSTF-NOPE", "level": None, "refresher_months": 12}
                        ],
                    }
                ],
            }
        )
    )
    monkeypatch.setenv("PASSPORT_ROLES_FILE", str(roles))
    done = run(settings, *command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(roles) in done.stderr
    assert "roles.0.requirements.0.subject" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unsupported_database_url_is_refused_with_the_setting_named(settings):
    """A database URL of an unknown kind is a configuration error naming the variable."""
    done = run(settings.model_copy(update={"database_url": "mysql://db/passport"}), "audit")
    assert done.returncode == 2
    assert "PASSPORT_DATABASE_URL must start with sqlite:/// or postgresql://" in done.stderr


def test_award_csv_reports_bad_rows_and_a_rerun_issues_nothing_twice(settings, demo, tmp_path):
    """`passport award --csv`: all-or-nothing refuses; per-row awards the rest once, even twice."""
    services = Services.open(settings)
    try:
        with services.read_models.transaction() as tx:
            achievement = tx.execute(
                "SELECT achievement_id FROM rm_achievements WHERE retired = 0 LIMIT 1"
            )[0][0]
            before = tx.execute("SELECT COUNT(*) FROM rm_credentials")[0][0]
    finally:
        services.close()
    lines = [f"{achievement},R{i},ESR-{i:07d},,Learner {i},2026-10-01,\n" for i in range(40)]
    lines.append(f"{achievement},RX,ESR-X,,Bad Date,2026-13-01,\n")
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(
        "achievementId,reference,staffIdentifier,email,name,earnedOn,"
        "creditsEarned\n" + "".join(lines)
    )
    issuer = demo["issuers"][0]["id"]
    refused = run(settings, "award", "--issuer", issuer, "--csv", str(cohort))
    assert refused.returncode == 1
    assert "row 41: earnedOn" in refused.stderr
    assert "nothing was issued" in refused.stderr
    for _ in range(2):
        done = run(settings, "award", "--issuer", issuer, "--csv", str(cohort), "--mode", "per-row")
        assert done.returncode == 1
        assert "awarded 40 of 41 rows" in done.stdout
    services = Services.open(settings)
    try:
        with services.read_models.transaction() as tx:
            after = tx.execute("SELECT COUNT(*) FROM rm_credentials")[0][0]
    finally:
        services.close()
    assert after - before == 40


def test_verify_online_fetches_current_status_from_this_ledger_only(settings, tmp_path):
    """A file exported before a revocation still reads valid offline; --online says revoked."""
    port = free_port()
    live = settings.model_copy(update={"base_url": f"http://127.0.0.1:{port}"})
    demo = json.loads(run(live, "demo", "--json").stdout)
    pin_registry(live)
    learner = _learner(demo, "Priya Raman")
    out = tmp_path / "priya.json"
    run(live, "export", learner, "-o", str(out))
    services = Services.open(live)
    try:
        credential_id = json.loads(out.read_text())["verifiableCredential"][0]["id"]
        services.ledger.revoke_credential(UUID(learner), credential_id, "revoked after export")
    finally:
        services.close()
    assert run(live, "verify", str(out)).returncode == 0
    with serving(live, port):
        online = run(live, "verify", str(out), "--online", "--json")
    assert online.returncode == 1
    statuses = [
        k
        for c in json.loads(online.stdout)["credentials"]
        for k in c["checks"]
        if k["id"] == "status" and k["problem"] == "revoked"
    ]
    assert statuses
    assert all(f"fetched from http://127.0.0.1:{port}/status/" in k["reason"] for k in statuses)
    elsewhere = live.model_copy(update={"base_url": "http://127.0.0.1:9"})
    unknown = run(elsewhere, "verify", str(out), "--online", "--json")
    assert unknown.returncode == 1
    outcomes = {
        k["outcome"]
        for c in json.loads(unknown.stdout)["credentials"]
        for k in c["checks"]
        if k["id"] == "status"
    }
    assert outcomes == {"unknown"}


def test_exported_credentials_are_proven_in_the_ledger_and_a_swapped_proof_fails(
    settings, demo, tmp_path
):
    """Each credential in the file is a leaf of a signed checkpoint; another's proof fails."""
    out = tmp_path / "priya.json"
    run(settings, "export", _learner(demo, "Priya Raman"), "-o", str(out))
    report = json.loads(run(settings, "verify", str(out), "--json").stdout)
    ledger_checks = [
        k for c in report["credentials"] for k in c["checks"] if k["id"] == "ledger_inclusion"
    ]
    assert len(ledger_checks) == 14  # 7 credentials (3 by hand, 3 modules, 1 programme), 2 forms
    assert all(k["outcome"] == "passed" for k in ledger_checks)
    assert "signed by passport.test/log" in ledger_checks[0]["reason"]
    bundle = json.loads(out.read_text())
    first, second = (c["id"] for c in bundle["verifiableCredential"][:2])
    proofs = bundle["staffPassport"]["ledger"]
    proofs[first], proofs[second] = proofs[second], proofs[first]
    out.write_text(json.dumps(bundle))
    swapped = run(settings, "verify", str(out), "--json")
    assert swapped.returncode == 1
    failed = {
        c["id"]
        for c in json.loads(swapped.stdout)["credentials"]
        if any(
            k["id"] == "ledger_inclusion" and k["problem"] == "not_in_ledger" for k in c["checks"]
        )
    }
    assert failed == {first, second}


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_serve_speaks_https_with_a_certificate_and_says_what_is_wrong_without_one(
    settings, tmp_path
):
    """The W3C suites call endpoints over HTTPS: `serve --tls-cert --tls-key` serves it."""
    cert_file, key_file = _self_signed(tmp_path)
    port = free_port()
    env = passport_env(settings)
    command = [PASSPORT, "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--tls-cert", str(cert_file), "--tls-key", str(key_file)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        trusted = ssl.create_default_context(cafile=str(cert_file))
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trusted)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.url.scheme == "https"
    finally:
        server.kill()
        server.wait()
    assert "give both" in run(settings, "serve", "--tls-cert", str(cert_file)).stderr
    wrong = run(
        settings, "serve", "--port", "1", "--tls-cert", str(cert_file), "--tls-key", str(cert_file)
    )
    assert wrong.returncode == 2
    assert "cannot be used for TLS" in wrong.stderr
    assert "Traceback" not in wrong.stderr
