"""The route class of every officer page: a domain error becomes a page, not JSON.

The JSON API renders ``AlurError`` as ``{"error": ...}`` (api/errors.py); a person with a browser
must read the same message in a page with the header and a way back. ``HalamanRoute`` wraps a
page's handler (its dependencies included): an ``AlurError`` is rendered as ``galat.html`` with
its status and Indonesian message, a form that does not validate as a 422 page, and a session in
its second half is renewed on the way out (``api.web.session``). ``PerluMasuk`` (no session) goes
through as the redirect it is.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from api.errors import AlurError
from api.web.session import renew_session
from api.web.templating import render


def error_page(request: Request, err: AlurError) -> Response:
    """An error as a page: its message, its status (and a 429's ``Retry-After``)."""
    page = render(request, "galat.html", status_code=err.status, galat=err)
    for name, value in err.headers().items():
        if name.lower() != "www-authenticate":
            page.headers[name] = value
    return page


class HalamanRoute(APIRoute):
    """A page route: errors as pages, the session renewed while in use."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except AlurError as err:
                response = error_page(request, err)
            except RequestValidationError:
                response = error_page(
                    request, AlurError("Isian formulir tidak lengkap atau tidak sah")
                )
                response.status_code = 422
            officer = getattr(request.state, "petugas", None)
            if officer is not None and getattr(request.state, "renew", False):
                await run_in_threadpool(renew_session, request, response)
            return response

        return page
