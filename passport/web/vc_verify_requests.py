"""Request models of the W3C VC API verify endpoints: what `POST /credentials/verify` and
`POST /presentations/verify` accept, and which named checks `options.checks` selects."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class VerifyPresentationOptions(BaseModel):
    """VC API `VerifyPresentationOptions`; keys this verifier does not know are ignored."""

    model_config = ConfigDict(extra="allow")

    challenge: str | None = Field(
        None, description="The challenge the holder's proof must carry (replay protection)."
    )
    domain: str | None = Field(
        None, description="The domain the holder's proof must be made for (this verifier)."
    )
    returnPresentation: bool | None = Field(  # noqa: N815 - the VC API's name
        None, description="Return the verified presentation in the response."
    )


class VerifyPresentationRequest(BaseModel):
    """VC API `VerifyPresentationRequest` (holder-signed), or `ProoflessVerifyPresentationRequest`
    (`presentation`, unsigned: no holder binding, and no challenge or domain can hold)."""

    model_config = ConfigDict(extra="allow")

    verifiablePresentation: dict[str, Any] | str | None = Field(  # noqa: N815 - the VC API's name
        None,
        description="The presentation, with its holder's Data Integrity proof "
        "(eddsa-rdfc-2022 or eddsa-jcs-2022, proofPurpose authentication); or enveloped "
        "(VC-JOSE-COSE): an EnvelopedVerifiablePresentation whose id is "
        "data:application/vp+jwt,<JWS>, or that compact vp+jwt itself (EdDSA only; the "
        "JWT's nonce and aud are the challenge and domain).",
    )
    presentation: dict[str, Any] | None = Field(
        None, description="An unsigned presentation (the VC API's proofless request)."
    )
    options: VerifyPresentationOptions | None = Field(
        None, description="Verification options; unknown ones are accepted and ignored."
    )

    @model_validator(mode="after")
    def _one_presentation(self) -> Self:
        if (self.verifiablePresentation is None) == (self.presentation is None):
            raise ValueError("give exactly one of verifiablePresentation and presentation")
        return self


# The VC API's `options.checks` names, and the named checks each stands for. A credential must
# always be well formed, its proof hold, and the key be its issuer's and valid when it signed:
# no selection verifies a forgery, or a credential in someone else's name. A related resource
# whose digest we can check must match it: the credential would misstate what it points to.
ALWAYS = ("well_formed", "proof", "issuer", "key_valid_at_issuance", "related_resources")
SELECTABLE = {
    "proof": ALWAYS,
    "issuer": ALWAYS,
    "credentialStatus": ("status",),
    "status": ("status",),
    "validity": ("validity_period",),
    "expiration": ("validity_period",),
    "ledger": ("ledger_inclusion",),
}


class VerifyCredentialOptions(BaseModel):
    """VC API `VerifyOptions`; keys this verifier does not know are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    checks: list[str] | None = Field(
        None,
        description="Which checks decide the verdict besides the ones that always do (well "
        "formed, proof, issuer, key valid when it signed): credentialStatus, validity, "
        "ledger. Absent: all of them. Every check is still reported.",
    )
    expectedProofPurpose: str = Field(  # noqa: N815 - the VC API's name
        "assertionMethod", description="The purpose the credential's proof must have been made for."
    )
    challenge: str | None = Field(None, description="The challenge the proof must carry.")
    domain: str | None = Field(None, description="The domain the proof must be made for.")

    def deciding(self) -> set[str] | None:
        """The named checks that decide the verdict, or None for all of them."""
        if self.checks is None:
            return None
        return {*ALWAYS, *(c for name in self.checks for c in SELECTABLE.get(name, ()))}


class VerifyCredentialRequest(BaseModel):
    """W3C VC API `POST /credentials/verify` request."""

    model_config = ConfigDict(extra="allow")

    verifiableCredential: dict[str, Any] | str = Field(  # noqa: N815 - the VC API's name
        description="The credential: JSON with an embedded proof, or a compact vc+jwt."
    )
    options: VerifyCredentialOptions | None = Field(
        None, description="Verification options; unknown ones are accepted and ignored."
    )
