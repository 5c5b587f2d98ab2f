"""Server-side graphics: the CPD chart and share-link QR codes, as SVG readable without script."""

from __future__ import annotations

import io
from collections.abc import Mapping
from html import escape

import qrcode
import qrcode.image.svg

WIDTH, BAR_HEIGHT, GAP, LABEL = 560, 28, 12, 90


def cpd_chart(credits_by_year: Mapping[str, float]) -> str:
    """A horizontal bar per NHS year; the numbers are written beside the bars, so the chart
    says everything in text too (and the page lists them again for screen readers)."""
    years = sorted(credits_by_year)
    if not years:
        return ""
    most = max(credits_by_year.values()) or 1.0
    height = len(years) * (BAR_HEIGHT + GAP) + GAP
    span = WIDTH - LABEL - 80
    title = "CPD credits per NHS year: " + "; ".join(
        f"{year}: {_hours(credits_by_year[year])}" for year in years
    )
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="cpd-chart-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="cpd-chart-title">{escape(title)}</title>',
    ]
    for row, year in enumerate(years):
        y = GAP + row * (BAR_HEIGHT + GAP)
        length = max(2.0, span * credits_by_year[year] / most)
        parts += [
            f'<text x="0" y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="16" fill="#212b32">'
            f"{escape(year)}</text>",
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="#005eb8"/>',
            f'<text x="{LABEL + length + 8:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="16" '
            f'fill="#212b32">{escape(_hours(credits_by_year[year]))}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def _hours(credits: float) -> str:
    return f"{credits:g} hour" + ("" if credits == 1 else "s")


def qr_svg(url: str) -> bytes:
    """A QR code of `url` as an SVG document."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
