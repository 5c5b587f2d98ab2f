"""Baked badges (Open Badges 3.0 §5.3): a badge image that carries its signed credential.

The project keeps no image bytes for achievements (an achievement's `image` is only a URL, and
fetching it on a request would make a download depend on someone else's server), so every
badge is drawn here: an NHS-blue roundel with the achievement's initials and name.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Mapping
from html import escape
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from verifier.carried import OB3_NAMESPACE, PNG_KEYWORD, SVG_NAMESPACE

SIZE = 400
NHS_BLUE = "#005eb8"
DARK_BLUE = "#003087"
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


def credential_text(credential: Mapping[str, Any] | str) -> str:
    """What a badge or certificate carries: the signed JSON as it is, or a compact JWT."""
    if isinstance(credential, str):
        return credential
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))


def initials(name: str) -> str:
    """Up to three initials of an achievement's significant words ("Safeguarding Adults" → SA)."""
    small = {"and", "of", "the", "in", "for", "to", "a", "an", "on"}
    words = [w for w in name.replace("-", " ").split() if w.lower() not in small and w[0].isalnum()]
    return "".join(w[0].upper() for w in words[:3]) or "✓"


def badge_png(name: str, credential: Mapping[str, Any] | str) -> bytes:
    """A PNG badge for the achievement `name`, with the credential in an uncompressed `iTXt`
    chunk keyed `openbadgecredential` (§5.3.1)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=DARK_BLUE)
    draw.ellipse((28, 28, SIZE - 28, SIZE - 28), fill=NHS_BLUE)
    centre = SIZE / 2
    draw.text((centre, centre - 30), initials(name), fill="white", font=_font(110), anchor="mm")
    for row, line in enumerate(_lines(name)):
        draw.text((centre, centre + 60 + 28 * row), line, fill="white", font=_font(22), anchor="mm")
    info = PngInfo()
    info.add_itxt(PNG_KEYWORD.decode(), credential_text(credential), zip=False)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def badge_svg(name: str, credential: Mapping[str, Any] | str) -> bytes:
    """An SVG badge for `name` with an `openbadges:credential` element right after `<svg>`:
    a JWT in its `verify` attribute, or the JSON in its text as CDATA (§5.3.2)."""
    text = credential_text(credential)
    if isinstance(credential, str):
        carried = f'<openbadges:credential verify="{escape(text)}"/>'
    else:  # "]]>" cannot occur inside CDATA: split it across two sections
        carried = (
            "<openbadges:credential><![CDATA["
            + text.replace("]]>", "]]]]><![CDATA[>")
            + "]]></openbadges:credential>"
        )
    half = SIZE // 2
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="{SVG_NAMESPACE}" xmlns:openbadges="{OB3_NAMESPACE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" role="img" '
        f'aria-label="{escape(name)} badge">'
        f"{carried}"
        f"<title>{escape(name)}</title>"
        f'<circle cx="{half}" cy="{half}" r="{half - 8}" fill="{DARK_BLUE}"/>'
        f'<circle cx="{half}" cy="{half}" r="{half - 28}" fill="{NHS_BLUE}"/>'
        f'<text x="{half}" y="{half + 8}" font-family="Arial, sans-serif" font-size="110" '
        f'font-weight="bold" fill="#fff" text-anchor="middle">{escape(initials(name))}</text>'
        + "".join(
            f'<text x="{half}" y="{half + 68 + 28 * row}" font-family="Arial, sans-serif" '
            f'font-size="22" fill="#fff" text-anchor="middle">{escape(line)}</text>'
            for row, line in enumerate(_lines(name))
        )
        + "</svg>\n"
    ).encode()


def _lines(name: str, width: int = 20) -> list[str]:
    """The name in at most two lines that fit inside the roundel."""
    lines = textwrap.wrap(name, width) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
    return lines


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_FILES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)
