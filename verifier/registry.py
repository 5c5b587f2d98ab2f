"""The issuer registry document: a signed VCDM 2.0 credential naming recognised entities.

The shape follows the W3C *Recognized Entities* v1.0 draft where it fits: the registry is itself
a Verifiable Credential whose issuer is the list publisher (here the registry key's did:key) and
whose subject describes the recognised entities, what each is recognised to do, and from when.
Our additions are the key history of each entity (`keys`, each with `validFrom`/`retiredAt`), the
ledger's checkpoint keys (`noteVerifierKeys`, C2SP `name+hash+key` lines) and a monotonically
increasing `version`, which a verifier remembers to refuse a rollback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from keys import SigningKey, did_key, did_key_verification_method
from verifier.eddsa_jcs_2022 import create_proof
from verifier.timestamps import xsd_datetime

REGISTRY_TYPE = "RecognizedEntitiesCredential"
SUBJECT_TYPE = "IssuerRegistry"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
# The registry's own terms (`noteVerifierKeys`, `recognizedEntities`, …) need an IRI to be
# signed JSON-LD: VCDM 2.0's base context defines none for them, and a term no context defines
# is refused by every verifier that reads the document as JSON-LD (ours included).
REGISTRY_VOCAB = "https://staff-passport.nhs.example/ns/registry#"
REGISTRY_CONTEXT = [VC_V2_CONTEXT, {"@vocab": REGISTRY_VOCAB}]


class _Wire(BaseModel):
    """Registry JSON: camelCase members, unknown members ignored (a newer registry may add some)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class RegistryKey(_Wire):
    """One key an entity has held: the verification method id, the key, and when it could sign."""

    id: str
    public_key_multibase: str = Field(alias="publicKeyMultibase")
    valid_from: datetime | None = Field(None, alias="validFrom")
    retired_at: datetime | None = Field(None, alias="retiredAt")


class Suspension(_Wire):
    """A period in which the entity's recognition was suspended (`until` None: still suspended)."""

    start: datetime = Field(alias="from")
    until: datetime | None = None


class AccreditingPeriod(_Wire):
    """A period in which the entity was a recognised accrediting body (`until` None: still)."""

    start: datetime = Field(alias="from")
    until: datetime | None = None


class Alignment(_Wire):
    """What the entity is recognised to issue, and when: an Open Badges `achievementType`, a
    subject code (a catalogue subject such as `CSTF-FIRE`), both, or neither (anything)."""

    achievement_type: str | None = Field(None, alias="achievementType")
    subject: str | None = None
    start: datetime = Field(alias="from")
    until: datetime | None = None


class RecognisedEntity(_Wire):
    """An issuer or accrediting body the registry recognises, with its history."""

    id: str
    name: str
    url: str | None = None
    role: Literal["issuer", "accreditor"] = "issuer"
    recognised_from: datetime = Field(alias="recognisedFrom")
    suspensions: tuple[Suspension, ...] = ()
    derecognised_at: datetime | None = Field(None, alias="derecognisedAt")
    alignments: tuple[Alignment, ...] = ()
    keys: tuple[RegistryKey, ...] = ()
    accredited_by: tuple[str, ...] = Field((), alias="accreditedBy")
    # When an issuer was also recognised as an accrediting body (an "accreditor" is one
    # throughout its recognition).
    accrediting: tuple[AccreditingPeriod, ...] = ()


class RegistrySubject(_Wire):
    """The registry's `credentialSubject`."""

    id: str
    version: int = Field(ge=1)
    name: str
    note_verifier_keys: tuple[str, ...] = Field((), alias="noteVerifierKeys")
    entities: tuple[RecognisedEntity, ...] = Field((), alias="recognizedEntities")


def subject_document(
    *,
    registry_id: str,
    version: int,
    name: str,
    note_verifier_keys: list[str],
    entities: list[dict[str, Any]],
) -> dict[str, Any]:
    """The registry's `credentialSubject` as JSON (entities already in their JSON form)."""
    return {
        "id": registry_id,
        "type": SUBJECT_TYPE,
        "version": version,
        "name": name,
        "noteVerifierKeys": note_verifier_keys,
        "recognizedEntities": entities,
    }


def sign_registry(subject: dict[str, Any], key: SigningKey, at: datetime) -> dict[str, Any]:
    """The registry credential: issued by the registry key's did:key, `eddsa-jcs-2022`-signed."""
    issuer = did_key(key.public_key)
    credential = {
        "@context": [VC_V2_CONTEXT, {"@vocab": REGISTRY_VOCAB}],
        "id": f"{subject['id']}#v{subject['version']}",
        "type": ["VerifiableCredential", REGISTRY_TYPE],
        "issuer": issuer,
        "name": subject["name"],
        "validFrom": xsd_datetime(at),
        "credentialSubject": subject,
    }
    return create_proof(credential, key, did_key_verification_method(key.public_key), at)
