"""Whatever value shapes VCDM 2.0 allows, an issued credential projects, verifies and rebuilds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from passport.services import Services
from passport.settings import Settings
from projections.display import MAX_TEXT, display_number, display_text
from projections.set_aside import set_aside_events
from tests.api_client import ACHIEVEMENT, Api, award_body

SHAPES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text = st.text(min_size=1, max_size=24)  # any unicode, NUL and right-to-left included
language_value = st.fixed_dictionaries(
    {"@value": text, "@language": st.sampled_from(["en", "en-GB", "fr", "cy", "ar", "zh-Hant"])},
    optional={"@direction": st.sampled_from(["ltr", "rtl"])},
)
number = st.integers(-(10**9), 10**9) | st.floats(allow_nan=False, allow_infinity=False)
nested = st.fixed_dictionaries({"id": st.just("https://example.org/thing"), "name": text})
value = st.one_of(
    text,
    language_value,
    st.lists(text | language_value, min_size=1, max_size=3),
    number,
    nested,
)


def _credential(did: str, shapes: dict[str, Any]) -> dict[str, Any]:
    subject = {"id": "did:example:holder", "alumniOf": shapes.pop("alumniOf", "Example")}
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
        **shapes,
    }


def _no_event_set_aside_and_rebuild_agrees(settings_: Settings) -> None:
    services = Services.open(settings_)
    try:
        services.projections.catch_up()
        assert set_aside_events(services.read_models) == []
        live = services.views.dump()
        services.projections.rebuild()
        assert set_aside_events(services.read_models) == []
        assert services.views.dump() == live
    finally:
        services.close()


def test_vc_api_credentials_of_every_value_shape_issue_or_are_refused_by_rule(
    api: Api, settings: Settings
):
    """A credential whose name, description or subject value takes any VCDM 2.0 shape is either
    issued, then verified (alone and in a presentation), or refused with a 400 naming the rule;
    never a 500, never an event the read models set aside, and a rebuild gives the same rows."""
    account, token = api.register("Shapes Academy")

    @SHAPES
    @given(
        shapes=st.fixed_dictionaries(
            {}, optional={"name": value, "description": value, "alumniOf": value}
        )
    )
    def issue(shapes: dict[str, Any]) -> None:
        body = {"credential": _credential(account["did"], dict(shapes))}
        issued = api.http.post("/credentials/issue", headers=token, json=body)
        assert issued.status_code in (201, 400), issued.text
        event(f"issue answered {issued.status_code}")
        if issued.status_code == 400:
            assert issued.json()["detail"], issued.text
            return
        signed = issued.json()["verifiableCredential"]
        verified = api.http.post("/credentials/verify", json={"verifiableCredential": signed})
        assert verified.status_code == 200, verified.text
        presentation = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [signed],
        }
        presented = api.http.post(
            "/presentations/verify", json={"verifiablePresentation": presentation}
        )
        assert presented.status_code < 500, presented.text

    issue()
    _no_event_set_aside_and_rebuild_agrees(settings)


def test_awards_of_any_unicode_text_and_credits_project_and_verify(api: Api, settings: Settings):
    """Achievements and awards through the issuer API, with any unicode text and any credits
    the API allows, are issued and verify in both forms, or are refused with a 422; never 500."""
    account, token = api.register("Unicode Academy")
    base = f"/api/v1/issuers/{account['id']}"

    @SHAPES
    @given(
        name=text,
        description=text,
        learner=text,
        credits=st.none() | st.floats(min_value=0, max_value=1000),
    )
    def award(name: str, description: str, learner: str, credits: float | None) -> None:
        definition = {**ACHIEVEMENT, "name": name, "description": description, "kind": "cpd"}
        created = api.http.post(f"{base}/achievements", headers=token, json=definition)
        assert created.status_code in (201, 422), created.text
        event(f"achievement answered {created.status_code}")
        if created.status_code == 422:
            return
        body = award_body(created.json()["id"])
        body["learner"]["name"] = learner
        body["creditsEarned"] = credits
        made = api.http.post(f"{base}/awards", headers=token, json=body)
        assert made.status_code in (201, 422), made.text
        event(f"award answered {made.status_code}")
        if made.status_code == 422:
            return
        for form in (made.json()["credential"], made.json()["jwt"]):
            check = api.http.post("/credentials/verify", json={"verifiableCredential": form})
            assert check.status_code == 200, check.text

    award()
    _no_event_set_aside_and_rebuild_agrees(settings)


@pytest.mark.parametrize(
    ("shape", "shown"),
    [
        ({"@value": "Example", "@language": "en"}, "Example"),
        (
            [{"@value": "Exemple", "@language": "fr"}, {"@value": "Example", "@language": "en-GB"}],
            "Example",
        ),
        ([{"@value": "Exemple", "@language": "fr"}], "Exemple"),
        ({"id": "https://example.org/a", "name": {"@value": "Named", "@language": "en"}}, "Named"),
        (12, "12"),
        (True, "true"),
        ("nul\x00inside", "nulinside"),
        ("\ud800lone", "?lone"),
        ([], ""),
        (None, ""),
    ],
)
def test_display_text_reads_language_values_as_a_person_would(shape: Any, shown: str):
    """The read models show a language value's text, an array's English entry (else its first),
    an object's name; text the databases cannot hold (NUL, lone surrogates) is left out."""
    assert display_text(shape) == shown


def test_display_values_are_bounded_and_credits_are_finite_numbers():
    """Long text is cut to MAX_TEXT characters; credits are a finite number or nothing."""
    assert len(display_text("x" * 10_000)) == MAX_TEXT
    assert [display_number(v) for v in (7.5, "2", {"@value": 3}, "1e999", "many", True)] == [
        7.5,
        2.0,
        3.0,
        None,
        None,
        None,
    ]
