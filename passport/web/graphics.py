"""Server-side graphics: the CPD chart and share-link QR codes, as SVG readable without script."""

from __future__ import annotations

import io
from collections.abc import Mapping
from html import escape

import qrcode
import qrcode.image.svg

from passport.words import hours

# Drawn narrow so that, scaled to a 320 px phone, its 15-unit text stays about 13 px high.
WIDTH, BAR_HEIGHT, GAP, LABEL, FONT = 340, 26, 10, 76, 15
TARGET_HOURS = 35.0  # NMC revalidation: 35 hours over the three years before it
TOTAL_LABEL = "3 years"


def cpd_chart(hours_by_year: Mapping[str, float], target: float = TARGET_HOURS) -> str:
    """A horizontal bar per NHS year and one for the last three years together, against a
    dashed line at the revalidation target; the numbers are written beside the bars, so the
    chart says everything in text too (and the page lists them again for screen readers)."""
    years = sorted(hours_by_year)
    if not years:
        return ""
    total = sum(hours_by_year[year] for year in years[-3:])
    rows = [(year, hours_by_year[year], "#005eb8") for year in years]
    rows.append((TOTAL_LABEL, total, "#003087"))
    top = FONT + GAP
    height = top + len(rows) * (BAR_HEIGHT + GAP) + GAP
    span = WIDTH - LABEL - 80
    scale = max(target, total, *hours_by_year.values()) or 1.0
    title = (
        "CPD hours per NHS year: "
        + "; ".join(f"{year}: {hours(hours_by_year[year])}" for year in years)
        + f"; last 3 NHS years together: {hours(total)}, against a target of {hours(target)}"
    )
    target_x = LABEL + span * target / scale
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="cpd-chart-title" '
        f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="cpd-chart-title">{escape(title)}</title>',
        f'<line x1="{target_x:.1f}" y1="{top - 4}" x2="{target_x:.1f}" y2="{height - GAP / 2}" '
        f'stroke="#d5281b" stroke-width="2" stroke-dasharray="5 3"/>',
        f'<text x="{min(target_x, WIDTH - 4):.1f}" y="{FONT}" font-size="{FONT}" '
        f'text-anchor="end" fill="#212b32">Target {escape(hours(target))}</text>',
    ]
    for row, (label, amount, colour) in enumerate(rows):
        y = top + row * (BAR_HEIGHT + GAP)
        length = max(2.0, span * amount / scale)
        baseline = y + BAR_HEIGHT * 0.7
        parts += [
            f'<text x="0" y="{baseline:.1f}" font-size="{FONT}" fill="#212b32">'
            f"{escape(label)}</text>",
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"/>',
            f'<text x="{LABEL + length + 6:.1f}" y="{baseline:.1f}" font-size="{FONT}" '
            f'fill="#212b32">{escape(hours(amount))}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def qr_svg(url: str) -> bytes:
    """A QR code of `url` as an SVG document."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
