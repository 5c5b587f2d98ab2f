"""`passport verify` on image and PDF files that carry nothing, or carry a tampered credential."""

from __future__ import annotations

import io

from fpdf import FPDF
from PIL import Image

from tests.passport.test_cli import run


def test_files_that_carry_nothing_are_unusable_input_in_one_line(settings, tmp_path):
    """A plain PNG, SVG or PDF exits 2 with one line saying it carries no credential."""
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    files = {
        "plain.png": png.getvalue(),
        "plain.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>',
        "plain.pdf": bytes(pdf.output()),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        done = run(settings, "verify", str(path))
        assert done.returncode == 2, name
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "carries no credential" in lines[0], done.stderr
