"""The pages every NHS service links from its footer: accessibility, privacy and contact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
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
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} – API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/nhsuk/assets/images/favicon.ico",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )
        html = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)
        return HTMLResponse(html)

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def api_browser_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
