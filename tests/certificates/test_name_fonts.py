"""Names outside Latin-1 print on PDF certificates in the bundled fonts: the glyphs a text
shaper picks for the name are embedded, and the name reads back from the PDF as written."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from passport.certificates.pdf import Attachment, credential_certificate, passport_certificate
from projections.views import CredentialSummary

FONTS = Path(__file__).parents[2] / "passport" / "certificates" / "fonts"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
CJK = FONTS / "DroidSansFallback.ttf"
# A name in each script a nurse's name may be written in; the font that should draw it.
NAMES = [
    ("Zoë Łukasz", BOLD),
    ("Nguyễn Thị Minh Khai", BOLD),
    ("Σοφία Παπαδοπούλου", BOLD),
    ("ليلى حداد", BOLD),
    ("王小明", CJK),
    ("さくら 山田", CJK),
]
CREDENTIAL = CredentialSummary(
    id="urn:uuid:1f0c7c52-5a3e-4d7e-9f55-6b0d3c2a0001",
    name="Safeguarding Adults Level 2",
    kind="Certificate",
    issuer_id="did:web:passport.test:issuers:academy",
    issuer_name="NHS Digital Academy",
    valid_from="2026-02-05",
    valid_until="2029-02-05",
    credits=3.0,
    status="valid",
    status_reason=None,
)
ATTACHMENT = Attachment("credential.json", b"{}", "the signed credential")


def _shaped(font: Path, text: str) -> list[str]:
    """The glyph names HarfBuzz picks to draw `text` in `font` (joined Arabic forms included)."""
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(hb.Font(hb.Face(hb.Blob.from_file_path(font))), buffer, {})
    order = TTFont(font).getGlyphOrder()
    return [order[info.codepoint] for info in buffer.glyph_infos]


def _embedded_glyphs(pdf: bytes) -> set[str]:
    """Every glyph name in the font subsets embedded on the PDF's pages."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        fonts: Any = resources["/Font"]
        for font in fonts.values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            names.update(TTFont(io.BytesIO(data)).getGlyphOrder())
    return names


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(("name", "font"), NAMES, ids=[n for n, _ in NAMES])
def test_a_name_in_any_script_prints_with_its_own_glyphs(name: str, font: Path):
    """The certificate embeds every glyph the shaper draws the name with (none is the missing
    glyph box), and the PDF's text layer gives the name back for search and screen readers."""
    pdf = credential_certificate(CREDENTIAL, name, ATTACHMENT, None, date(2026, 3, 1))
    glyphs = [g for g in _shaped(font, name) if g != "space"]
    assert ".notdef" not in glyphs, f"the bundled {font.name} cannot draw {name!r}"
    assert set(glyphs) <= _embedded_glyphs(pdf)
    assert name in _text(pdf)


def test_the_whole_passport_certificate_prints_a_vietnamese_name():
    """The passport's certificate (the list of credentials) draws the holder's name too."""
    name = "Nguyễn Thị Minh Khai"
    pdf = passport_certificate([CREDENTIAL], name, ATTACHMENT, None, date(2026, 3, 1))
    assert set(_shaped(BOLD, name)) - {"space"} <= _embedded_glyphs(pdf)
    assert name in _text(pdf)
