"""Rendering pages: the templates, the headers every private page carries, the error page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from issuers.problems import problem
from passport.words import hours, hours_needed, long_date

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["day"] = long_date
templates.env.filters["hours"] = hours
templates.env.globals["hours_needed"] = hours_needed
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A rendered page that no cache keeps and no link's Referer carries away."""
    return templates.TemplateResponse(request, name, context, status_code=status, headers=PRIVATE)


def wants_html(request: Request) -> bool:
    """Whether the client is a browser asking for a page."""
    return "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request, status: int, title: str, message: str, advice: str = ""
) -> Response:
    """A helpful page for a person; problem details (RFC 9457) for a program."""
    if not wants_html(request):
        return problem(status, title, message)
    context = {"title": title, "message": message, "advice": advice}
    return page(request, "error.html", context, status)
