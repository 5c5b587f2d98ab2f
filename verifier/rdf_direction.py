"""Base direction in RDF as Digital Bazaar's eddsa-rdfc-2022 suite writes it: `i18n-datatype`.

JSON-LD 1.1 API §8.6 (object to RDF) leaves how `@direction` reaches RDF to the `rdfDirection`
option. vc.js canonicalises with `rdfDirection: "i18n-datatype"`, so a value with a direction is
the literal typed `https://www.w3.org/ns/i18n#{language}_{direction}` (language lowercased,
empty when absent); pyoxigraph would otherwise write an RDF 1.2 directional language string,
which no deployed Data Integrity verifier signs.
"""

from __future__ import annotations

from typing import Any

I18N = "https://www.w3.org/ns/i18n#"


def i18n_datatypes(node: Any) -> None:
    """Rewrite, in place, every expanded value object with `@direction` as its i18n datatype."""
    if isinstance(node, list):
        for item in node:
            i18n_datatypes(item)
    elif isinstance(node, dict):
        if "@value" in node:
            direction = node.get("@direction")
            if isinstance(direction, str) and isinstance(node["@value"], str):
                language = node.pop("@language", "")
                del node["@direction"]
                lowered = language.lower() if isinstance(language, str) else ""
                node["@type"] = f"{I18N}{lowered}_{direction}"
            return
        for value in node.values():
            i18n_datatypes(value)
