"""Prometheus ``/metrics`` on the API: its requests, and Alur's own figures read from the database.

Requests are counted and timed by route template (``/malang/kasus/{nomor_kasus}``), never by raw
path, so a case number never becomes a label and the series stay few. Alur's figures (open cases per
SOP and step, overdue tasks, SLA breaches, notifications by status, refused logins) are computed
from the tables at each scrape (``AlurCollector``), not counted in memory: every API replica then
reports the same figures, and they survive a restart. Prometheus should scrape one replica for
them (or aggregate with ``max``), and every replica for its requests.

Each app has its own registry (tests build many apps in one process). ``/metrics`` is not in the
OpenAPI schema; with ``ALUR_METRICS_TOKEN`` set it answers only that bearer token.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import case, func, literal, literal_column, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alur.log_format import bind_request, unbind_request
from alur.settings import Settings
from api.errors import NotAuthenticated
from db.base import utcnow
from db.login_throttle import LoginEvent
from db.models import AuditEvent, Case, Notification, Task

log = logging.getLogger("alur.http")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route label of a request no route matched (a 404 for an unknown path)."""

LOGIN_KINDS = ("petugas", "magesty", "probolinggo", "alamat")
"""The kinds of login throttle key (``db/login_throttle.py``): officer, MAGESTY citizen, View
Probolinggo citizen, client address. The rest of a key (whose) is never a label."""


def route_template(scope: Scope) -> str:
    """The matched route's path template, or ``unmatched``.

    The route FastAPI records may be the one of an included router, without the prefix it was
    included under (``/kasus/{nomor_kasus}`` of ``/malang``); Alur's prefixes are fixed words, so
    the request path's leading segments beyond the template's are that prefix."""
    route = scope.get("route")
    if isinstance(route, Mount):  # static files: one label for everything under the mount
        return f"{route.path}/{{path}}"
    if route is None and "endpoint" in scope and scope.get("root_path"):
        return f"{scope['root_path']}/{{path}}"  # a Mount that records only its root path
    if not isinstance(route, Route):
        return UNMATCHED
    template = route.path_format
    path = str(scope.get("path", ""))
    if ":path}" not in route.path:
        extra = path.rstrip("/").count("/") - template.rstrip("/").count("/")
        if extra > 0:
            template = "/".join(path.split("/")[: extra + 1]) + template
    return template or "/"


def method_label(scope: Scope) -> str:
    """The request's method, or ``OTHER``: a client may send any word as a method, and each
    would otherwise be a new series."""
    method = str(scope.get("method", ""))
    return method if method in METHODS else "OTHER"


class MetricsMiddleware:
    """Counts and times each HTTP request by method, route template and status; binds the request
    to log lines (``alur.log_format``) and, with ``access_log``, writes one line per request."""

    def __init__(
        self, app: ASGIApp, *, requests: Counter, latency: Histogram, access_log: bool
    ) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        token = bind_request(scope)
        try:
            await self.app(scope, receive, record_status)
        finally:
            elapsed = time.perf_counter() - start
            method, route = method_label(scope), route_template(scope)
            self.requests.labels(method, route, str(status)).inc()
            self.latency.labels(method, route).observe(elapsed)
            if self.access_log:
                log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            unbind_request(token)


class AlurCollector(Collector):
    """Alur's figures, read from the database at each scrape (see the module docstring)."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session] | None]) -> None:
        self._sessions = sessions

    def describe(self) -> list[Metric]:
        return []  # computed at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "alur_database_up", "1 when the figures below could be read from the database."
        )
        factory = self._sessions()
        if factory is None:
            up.add_metric([], 0)
            yield up
            return
        try:
            with factory() as session:
                figures = list(self._figures(session))
        except SQLAlchemyError as err:
            log.warning("metrics: database unavailable: %s", type(err).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _figures(self, s: Session) -> Iterator[Metric]:
        open_cases = GaugeMetricFamily(
            "alur_cases_open",
            "Open cases, by SOP and the step they are at.",
            labels=["sop", "step"],
        )
        rows = s.execute(
            select(Case.sop, Case.current_step, func.count())
            .where(Case.closed_at.is_(None))
            .group_by(Case.sop, Case.current_step)
        )
        for sop, step, count in rows:
            open_cases.add_metric([sop, step or ""], count)
        yield open_cases

        overdue = GaugeMetricFamily(
            "alur_tasks_overdue",
            "Open tasks past their time standard, by SOP and step (as the inbox shows them: "
            "late once the deadline passed, even before the workflow's timer fired).",
            labels=["sop", "step"],
        )
        rows = s.execute(
            select(Task.sop, Task.step, func.count())
            .where(
                Task.status == "open",
                or_(Task.overdue.is_(True), Task.due_at < utcnow()),
            )
            .group_by(Task.sop, Task.step)
        )
        for sop, step, count in rows:
            overdue.add_metric([sop, step], count)
        yield overdue

        breaches = CounterMetricFamily(
            "alur_sla_breaches",
            "Steps that ran past their time standard (audit line sla_terlampaui), by SOP and step.",
            labels=["sop", "step"],
        )
        rows = s.execute(
            select(Case.sop, AuditEvent.step, func.count())
            .select_from(AuditEvent)
            .outerjoin(Case, Case.case_number == AuditEvent.case_number)
            .where(AuditEvent.event == "sla_terlampaui")
            .group_by(Case.sop, AuditEvent.step)
        )
        for sop, step, count in rows:
            breaches.add_metric([sop or "", step or ""], count)
        yield breaches

        notifications = GaugeMetricFamily(
            "alur_notifications",
            "Messages in the notification log (one per send attempt), by channel, purpose and "
            "latest status: sent, delivered, read, failed, undelivered, retrying, ...",
            labels=["channel", "purpose", "status"],
        )
        rows = s.execute(
            select(
                Notification.channel, Notification.purpose, Notification.status, func.count()
            ).group_by(Notification.channel, Notification.purpose, Notification.status)
        )
        for channel, purpose, status, count in rows:
            notifications.add_metric([channel, purpose, status], count)
        yield notifications

        # Grouped by the output column's name: PostgreSQL takes a CASE with bound parameters in
        # the select list and the same CASE in GROUP BY for two different expressions.
        kind = case(
            *((LoginEvent.key.like(f"{k}:%"), literal(k)) for k in LOGIN_KINDS),
            else_=literal("lain"),
        ).label("kind_of_key")
        refused = CounterMetricFamily(
            "alur_logins_refused",
            "Refused logins, by kind of account (petugas, magesty, probolinggo; alamat: a client "
            "address locked) and event (gagal: wrong password or account, terkunci: a lock, "
            "ditolak_saat_terkunci: refused during a wait or lock).",
            labels=["kind", "event"],
        )
        rows = s.execute(
            select(kind, LoginEvent.event, func.count()).group_by(
                literal_column("kind_of_key"), LoginEvent.event
            )
        )
        for key_kind, event, count in rows:
            refused.add_metric([key_kind, event], count)
        yield refused


def install_metrics(app: FastAPI, settings: Settings) -> CollectorRegistry:
    """Add the middleware and ``GET /metrics`` to the app; the app's registry."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    requests = Counter(
        "alur_http_requests",
        "HTTP requests, by method, route template and status code.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "alur_http_request_duration_seconds",
        "Time to answer an HTTP request, by method and route template.",
        ["method", "route"],
        registry=registry,
    )
    registry.register(AlurCollector(lambda: app.state.sessions))
    app.add_middleware(
        MetricsMiddleware,
        requests=requests,
        latency=latency,
        access_log=settings.log_format == "json",
    )
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus' text format (a sync route: the figures are database queries)."""
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise NotAuthenticated("Metrik hanya untuk pemantau yang berwenang")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.state.metrics = registry
    return registry
