"""The pages every NHS service links from its footer: accessibility, privacy and contact."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from passport.web.html import page

router = APIRouter(include_in_schema=False)


@router.get("/accessibility", response_class=HTMLResponse)
def accessibility(request: Request) -> Any:
    """How accessible the service is and how to report a problem."""
    return page(request, "info/accessibility.html", {})


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> Any:
    """What the service keeps about a person, who sees it, and how to erase it."""
    return page(request, "info/privacy.html", {})


@router.get("/contact", response_class=HTMLResponse)
def contact(request: Request) -> Any:
    """Who to ask for help."""
    return page(request, "info/contact.html", {})


# Swagger UI, started by a script file of ours (static/api-docs.js; no inline script), with our
# stylesheet after Swagger's (contrast to WCAG 2.2 AA, paths wrapping on phones).
_API_DOCS = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference – {title}</title>
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
<link rel="stylesheet" href="/static/api-docs.css">
<link rel="icon" href="/static/nhsuk/assets/images/favicon.ico">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}" data-oauth2-redirect-url="/docs/oauth2-redirect">
</div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Add the footer pages, the static assets (the vendored design system) and Swagger UI
    at `/docs`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    install_api_browser(app)


def install_api_browser(app: FastAPI) -> None:
    """Serve Swagger UI at `/docs` from the vendored assets, so it works offline and no CDN
    sees who reads the API (FastAPI's own loads from one)."""

    @app.get("/docs", include_in_schema=False)
    def api_browser() -> HTMLResponse:
        openapi = html.escape(app.openapi_url or "/openapi.json")
        return HTMLResponse(_API_DOCS.format(title=html.escape(app.title), openapi=openapi))

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def api_browser_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
