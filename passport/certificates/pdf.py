"""Printable A4 certificates (PDF) that carry what they certify as attached files.

As Open Badge Factory and Europass do, the signed credential (or, for the whole passport, the
passport file) travels inside the PDF as an attachment, so `passport verify certificate.pdf`
checks the signature rather than the print; the QR code leads to the verification page.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import qrcode
from fpdf import FPDF

from passport.words import long_date
from projections.views import CredentialSummary

NHS_BLUE = (0, 94, 184)
TEXT = (33, 43, 50)
GREY = (76, 97, 112)
# Bundled, so names print as written on any machine (fonts/README.md: sources and licences):
# DejaVu Sans for Latin with every diacritic, Greek, Cyrillic, Arabic and Hebrew; Droid Sans
# Fallback for the Chinese, Japanese and Korean characters DejaVu lacks.
FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"
CJK_FONT = "DroidSansFallback"
STATUS_WORDS = {
    "valid": "Valid",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "suspended": "Suspended",
    "revoked": "Revoked",
}


@dataclass(frozen=True)
class Attachment:
    """A file the certificate carries."""

    name: str
    data: bytes
    description: str


def file_stem(*words: str) -> str:
    """A readable file name stem from words ("Safeguarding Adults: Level 2", "2026-02-05" →
    "Safeguarding-Adults-Level-2-2026-02-05"): ASCII letters, digits and hyphens."""
    text = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:120].strip("-") or "certificate"


def credential_certificate(
    credential: CredentialSummary,
    holder: str | None,
    attachment: Attachment,
    verify_url: str | None,
    as_of: date,
) -> bytes:
    """One credential's certificate; `holder` None when the share does not show the name."""
    pdf = _Certificate()
    pdf.heading("Certificate of achievement")
    pdf.line_of("This is to certify that", 14, GREY)
    pdf.line_of(holder or "the holder of this certificate", 26, TEXT, bold=True)
    pdf.line_of("has achieved", 14, GREY)
    pdf.line_of(credential.name, 22, NHS_BLUE, bold=True)
    pdf.ln(4)
    pdf.line_of(f"Issued by {credential.issuer_name} on {long_date(credential.valid_from)}", 13)
    if credential.valid_until:
        pdf.line_of(f"Valid until {long_date(credential.valid_until)}", 13)
    if credential.credits:
        pdf.line_of(f"{credential.credits:g} hours of CPD", 13)
    if credential.status not in {"valid", "expiring"}:  # a print must not outlive the truth
        words = STATUS_WORDS.get(credential.status, credential.status)
        pdf.line_of(f"{words} as on {long_date(as_of)}", 13, (212, 53, 28), bold=True)
    pdf.check_block(attachment, verify_url)
    return pdf.finish(attachment, f"{credential.name}: certificate")


def passport_certificate(
    credentials: Sequence[CredentialSummary],
    holder: str | None,
    attachment: Attachment,
    verify_url: str | None,
    as_of: date,
) -> bytes:
    """The whole passport (or what a share shows of it) as a list of credentials."""
    pdf = _Certificate()
    pdf.heading("Staff Passport")
    pdf.line_of(holder or "Credentials shared with you", 22, TEXT, bold=True)
    count = f"{len(credentials)} credential" + ("" if len(credentials) == 1 else "s")
    pdf.line_of(f"{count}, as on {long_date(as_of)}", 12, GREY)
    pdf.ln(4)
    for c in credentials:
        pdf.set_font(pdf.family, "B", 12)
        pdf.set_text_color(*NHS_BLUE)
        pdf.ready_for(c.name + c.issuer_name)
        pdf.multi_cell(0, 6, c.name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, "", 10)
        pdf.set_text_color(*TEXT)
        until = f", valid until {long_date(c.valid_until)}" if c.valid_until else ""
        status = STATUS_WORDS.get(c.status, c.status)
        pdf.multi_cell(
            0,
            5,
            f"{c.issuer_name}, {long_date(c.valid_from)}{until}. {status}.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
    pdf.check_block(attachment, verify_url)
    return pdf.finish(attachment, "Staff Passport")


class _Certificate(FPDF):
    """An A4 page in the project's type and colours."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.family = FONT
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self._cjk = self._shaping = False
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.add_page()

    def heading(self, title: str) -> None:
        self.set_fill_color(*NHS_BLUE)
        self.rect(0, 0, self.w, 12, style="F")
        self.ln(8)
        self.line_of(title, 28, NHS_BLUE, bold=True)
        self.ln(6)

    def line_of(
        self, text: str, size: float, colour: tuple[int, int, int] = TEXT, bold: bool = False
    ) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.ready_for(text)
        self.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def ready_for(self, text: str) -> None:
        """Before drawing `text`: HarfBuzz shaping from the first right-to-left character
        (Arabic letters join), the CJK fallback font from the first wide (East Asian) one, which
        DejaVu lacks. Each only when needed: both would make every certificate slower."""
        if not self._shaping and any(unicodedata.bidirectional(ch) in {"R", "AL"} for ch in text):
            self.set_text_shaping(use_shaping_engine=True)
            self._shaping = True
        if not self._cjk and any(unicodedata.east_asian_width(ch) in {"W", "F"} for ch in text):
            self.add_font(CJK_FONT, "", FONT_DIR / "DroidSansFallback.ttf")
            self.set_fallback_fonts([CJK_FONT], exact_match=False)  # one weight serves bold too
            self._cjk = True

    def check_block(self, attachment: Attachment, verify_url: str | None) -> None:
        """How to check the certificate: the QR code and the attached file."""
        self.ln(8)
        if verify_url:
            if self.get_y() > self.h - 90:
                self.add_page()
            self.image(_qr_png(verify_url), x=(self.w - 45) / 2, w=45, h=45, alt_text="QR code")
            self.line_of("Scan to check this is genuine and current:", 11, GREY)
            self.set_font(self.family, "", 9)
            self.multi_cell(0, 5, verify_url, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)
        self.line_of(
            f"The signed record is attached to this PDF as {attachment.name}. "
            "Anyone can check it offline with: passport verify <this file>.pdf",
            9,
            GREY,
        )

    def finish(self, attachment: Attachment, title: str) -> bytes:
        self.set_title(title)
        self.set_creator("Staff Passport")
        self.embed_file(
            bytes=attachment.data,
            basename=attachment.name,
            desc=attachment.description,
            mime_type="application/json",
            compress=True,
        )
        return bytes(self.output())


def _qr_png(url: str) -> io.BytesIO:
    out = io.BytesIO()
    qrcode.make(url, border=2).save(out)
    out.seek(0)
    return out
