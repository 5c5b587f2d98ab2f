"""A client of the running app for API tests: an operator's credentials, issuers, awards."""

from __future__ import annotations

from typing import Any

import httpx

ACHIEVEMENT = {
    "name": "Resuscitation Level 2",
    "description": "Adult basic life support (Core Skills Training Framework).",
    "criteria": "Complete the practical assessment.",
    "kind": "training",
    "refresherMonths": 12,
    "fieldOfStudy": "Core Skills Training Framework",
    "alignment": [
        {
            "targetName": "Resuscitation - Level 2",
            "targetUrl": "https://www.skillsforhealth.org.uk/cstf/resuscitation",
            "targetFramework": "Core Skills Training Framework",
        }
    ],
}


def award_body(achievement_id: str, staff: str = "NMC-18A2345E") -> dict[str, Any]:
    return {
        "achievementId": achievement_id,
        "earnedOn": "2026-10-01",
        "learner": {
            "reference": "L-001",
            "staffIdentifier": staff,
            "name": "Amira Okafor",
            "email": "amira@example.nhs.net",
        },
    }


def cohort_rows(achievement_id: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    """`count` cohort rows awarding the achievement to new learners, numbered from `start`."""
    return [
        {
            "achievementId": achievement_id,
            "earnedOn": "2026-10-01",
            "learner": {
                "reference": f"R{i}",
                "staffIdentifier": f"ESR-{i:08d}",
                "name": f"Learner {i}",
            },
        }
        for i in range(start, start + count)
    ]


class Api:
    """A client of the running app, with helpers for tokens."""

    def __init__(self, http: httpx.Client, operator: tuple[str, str]) -> None:
        self.http = http
        self.operator = operator

    def as_operator(self) -> dict[str, str]:
        """The operator's bearer header (for reading a learner's record by id)."""
        return self.token(*self.operator)

    def token(self, client_id: str, secret: str) -> dict[str, str]:
        response = self.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def register(self, name: str, did_method: str = "web") -> tuple[dict[str, str], dict[str, str]]:
        response = self.http.post(
            "/api/v1/admin/issuers",
            headers=self.token(*self.operator),
            json={"name": name, "url": "https://academy.example", "didMethod": did_method},
        )
        assert response.status_code == 201, response.text
        account = response.json()
        return account, self.token(account["client_id"], account["client_secret"])

    def academy(self, name: str) -> tuple[str, dict[str, str], str]:
        """An academy registered with one achievement (`ACHIEVEMENT`): its API path, its bearer
        header and the achievement's id."""
        account, token = self.register(name)
        issuer = f"/api/v1/issuers/{account['id']}"
        achievement = self.http.post(f"{issuer}/achievements", headers=token, json=ACHIEVEMENT)
        assert achievement.status_code == 201, achievement.text
        return issuer, token, achievement.json()["id"]

    def recognise_accrediting(self, did: str) -> None:
        """Recognise a registered issuer as an accrediting body, as the operator (admin API)."""
        response = self.http.post(
            f"/api/v1/admin/registry/entities/{did}/accrediting",
            headers=self.as_operator(),
            json={},
        )
        assert response.status_code == 200, response.text
