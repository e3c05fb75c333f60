"""What ``make run`` checks before it starts anything: the settings, and that its ports are free.

Both fail with one line per problem, naming the setting to change, instead of a traceback from
whichever process trips over it first (a pydantic ``ValidationError`` from the API, "address already
in use" from the Temporal server while the console says Alur is running).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from alur.settings import Settings


class ConfigError(Exception):
    """Settings that cannot run: ``lines`` holds one line per problem, each naming its setting."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = list(lines)


def setting_name(loc: Sequence[int | str]) -> str:
    """The environment variable of a field's location (``("run", "max_restarts")`` →
    ``ALUR_RUN__MAX_RESTARTS``)."""
    return "ALUR_" + "__".join(str(part) for part in loc).upper()


def validation_lines(err: ValidationError) -> list[str]:
    """One line per invalid field. The value itself is never repeated: it may be a secret."""
    return [f"{setting_name(e['loc'])}: {e['msg']}" for e in err.errors()]


def load_settings() -> Settings:
    """The settings, checked as far as can be done without starting anything."""
    try:
        settings = Settings()
    except ValidationError as err:
        raise ConfigError(validation_lines(err)) from None
    problems = check_settings(settings)
    if problems:
        raise ConfigError(problems)
    return settings


def _host_port(value: str) -> tuple[str, int] | None:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host.strip("[]"), int(port)


def _http_url_problem(name: str, value: str) -> str | None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return f"{name}: not a URL with a valid port"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{name}: must be an http:// or https:// URL with a host, e.g. http://localhost:8000"
    return None


def check_settings(settings: Settings) -> list[str]:
    """Problems the types alone do not catch: dev secrets in production, URLs that do not parse."""
    problems: list[str] = []
    try:
        settings.check_production()
    except RuntimeError as err:
        problems.append(str(err))
    try:
        make_url(settings.database_url).get_dialect()
    except ArgumentError:
        problems.append(
            "ALUR_DATABASE_URL: not a database URL; e.g. sqlite:///.alur/alur.db or "
            "postgresql+psycopg://user:password@host/db"
        )
    except NoSuchModuleError as err:
        problems.append(f"ALUR_DATABASE_URL: unknown database driver ({err})")
    if _host_port(settings.temporal_address) is None:
        problems.append("ALUR_TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233")
    for name, value in (
        ("ALUR_PUBLIC_BASE_URL", settings.public_base_url),
        ("ALUR_TEMPORAL_UI_URL", settings.temporal_ui_url),
    ):
        problem = _http_url_problem(name, value)
        if problem:
            problems.append(problem)
    return problems


@dataclass(frozen=True)
class Port:
    """A port ``make run`` will listen on, with who listens and the setting that moves it."""

    what: str
    host: str
    port: int
    setting: str


def stack_ports(settings: Settings) -> list[Port]:
    """Every port the stack listens on (call after ``check_settings`` passed)."""
    temporal = _host_port(settings.temporal_address)
    assert temporal is not None
    ui = urlsplit(settings.temporal_ui_url)
    ui_port = ui.port or (443 if ui.scheme == "https" else 80)
    ports = [
        Port("the Temporal server", temporal[0], temporal[1], "ALUR_TEMPORAL_ADDRESS"),
        Port("the Temporal UI", temporal[0], ui_port, "ALUR_TEMPORAL_UI_URL"),
        Port("the API", settings.api_host, settings.api_port, "ALUR_API_PORT"),
    ]
    if settings.worker_metrics_port:
        ports.append(
            Port(
                "the worker's metrics",
                settings.worker_metrics_host,
                settings.worker_metrics_port,
                "ALUR_WORKER_METRICS_PORT",
            )
        )
    return ports


def in_use(host: str, port: int) -> bool:
    """Whether something listens on ``host:port``: tried as the server will, by binding it (with
    SO_REUSEADDR, as the servers do, so a connection of a stopped run in TIME_WAIT is no
    obstacle). Each address of the name is tried (``localhost``: IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # an unknown host fails in the server with its own message
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    return True
    return False


def port_problems(ports: Sequence[Port]) -> list[str]:
    """One line per port taken, or given twice."""
    problems: list[str] = []
    seen: dict[int, Port] = {}
    for p in ports:
        if p.port in seen:
            other = seen[p.port]
            problems.append(
                f"port {p.port} is given to both {other.what} ({other.setting}) and {p.what} "
                f"({p.setting}): choose another for one of them"
            )
            continue
        seen[p.port] = p
        if in_use(p.host, p.port):
            problems.append(
                f"port {p.port} ({p.what}, {p.setting}) is already in use on {p.host}: another "
                f"`make run` may still be running; stop it, or set {p.setting} to a free port"
            )
    return problems
