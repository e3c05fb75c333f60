"""The FastAPI app: one router per domain (auth, SOP catalogue, tasks, each SOP, public view,
webhooks, Temporal UI codec, dev outbox) over one database and one Temporal client.

``create_app`` takes them ready-made (tests, bench); the module-level ``app`` builds them from
settings at start-up for ``uvicorn api.main:app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from alur.codec import EncryptionCodec
from alur.log_format import configure_logging
from alur.sdk_runtime import install_sdk_runtime
from alur.settings import Settings, get_settings
from alur.temporal import connect
from api.docs import install_docs
from api.errors import install_error_handlers
from api.magelang import router as magelang
from api.malang import router as malang
from api.metrics import install_metrics
from api.probolinggo import router as probolinggo
from api.routers import auth, codec, dev, laporan, public, sop, tasks, webhooks
from api.trenggalek import router as trenggalek
from api.web import lacak, sop_pages
from api.web import router as web
from db.session import make_engine, make_session_factory


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    temporal: Client | None = None,
) -> FastAPI:
    """The app over the given database and Temporal client (built from settings when omitted)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if app.state.sessions is None:
            engine = make_engine(settings.database_url)
            app.state.sessions = make_session_factory(engine)
        if app.state.temporal is None:
            app.state.temporal = await connect(settings)
        yield
        if engine is not None:
            engine.dispose()

    app = FastAPI(
        title="Alur",
        version="0.1.0",
        summary="Indonesian local-government SOPs as durable workflows",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app)
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.temporal = temporal
    app.state.codec = EncryptionCodec.from_base64(settings.payload_key.get_secret_value())
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=codec.cors_origins(settings),
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["content-type", "x-namespace", "authorization"],
        allow_credentials=True,
    )
    domains = (
        auth,
        sop,
        tasks,
        malang,
        magelang,
        trenggalek,
        probolinggo,
        public,
        webhooks,
        codec,
        web,
        laporan,
        sop_pages,
        lacak,
    )
    for module in domains:
        app.include_router(module.router)
    if settings.dev_endpoints:
        app.include_router(dev.router)

    install_metrics(app, settings)

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app


def _app_from_settings() -> FastAPI:
    settings = get_settings()
    settings.check_production()
    configure_logging(settings.log_format)
    if settings.log_format == "json":
        install_sdk_runtime()  # the Temporal core's own log lines as JSON too
    return create_app(settings)


app = _app_from_settings()
