"""/docs (Swagger UI) and /redoc served from the app itself, so they work without the internet.

FastAPI's own pages load Swagger UI, ReDoc and the favicon from a CDN; Alur runs on machines that
may have no internet access, so the pages here load the copies shipped in the PyPI package
``fastapi-offline`` (mounted under ``STATIC_URL``). The OAuth2 redirect page keeps the officers'
"Authorize" (password flow against /auth/login) working.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
"""swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png."""

STATIC_URL = "/static-docs"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"


def install_docs(app: FastAPI) -> None:
    """Serve /docs, its OAuth2 redirect page and /redoc from local assets. The app must be built
    with ``docs_url=None, redoc_url=None`` so FastAPI's CDN pages are not installed too."""
    app.mount(STATIC_URL, StaticFiles(directory=ASSETS), name="static-docs")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{redirect_url}",
            swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
