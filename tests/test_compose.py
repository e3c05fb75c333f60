"""The production shape (docker-compose.yml, Dockerfile), checked by parsing only.

There is no Docker engine here, so nothing calls the ``docker`` CLI even where it is installed: the
compose file is read with ``yaml.safe_load`` and interpolated the way Compose does it (``${VAR}``,
``${VAR:-default}``, ``${VAR:?message}``, ``$$``) against a sample environment of secrets.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from alur.settings import Settings
from alur.temporal import SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

CORE_SERVICES = ("postgresql", "temporal", "temporal-ui", "migrate", "worker", "api")
ALUR_SERVICES = ("migrate", "worker", "api")
TEMPORAL_FRONTEND = "temporal:7233"

EXPECTED_SEARCH_ATTRIBUTES = {
    "AlurSop": "Keyword",
    "AlurCaseNumber": "Keyword",
    "AlurStep": "Keyword",
    "AlurStatus": "Keyword",
    "AlurAgency": "Keyword",
    "AlurSlaBreached": "Bool",
    "AlurRole": "Keyword",
    "AlurDueAt": "Datetime",
}

SAMPLE_ENV = {
    "POSTGRES_PASSWORD": "temporal-db-secret",
    "POSTGRES_ALUR_PASSWORD": "alur-db-secret",
    "ALUR_JWT_SECRET": "a-production-jwt-secret-that-is-long-enough-0123456789",
    "ALUR_PAYLOAD_KEY": "cHJvZHVjdGlvbi1wYXlsb2FkLWtleS0zMi1ieXRlcyE=",
    "ALUR_PERSONAL_REF_KEY": "a-production-personal-reference-key-long-enough-0123",
    "ALUR_PUBLIC_BASE_URL": "https://alur.example.go.id",
    "ALUR_TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
    "ALUR_TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "ALUR_METRICS_TOKEN": "a-metrics-bearer-token-for-prometheus-0123456789",
}
"""What an operator's .env holds: the secrets Compose must refuse to start without."""

REQUIRED_VARIABLES = tuple(SAMPLE_ENV)


# --- Compose semantics, as far as this file uses them -------------------------------------------


class MissingVariableError(ValueError):
    """A ``${VAR:?message}`` (or ``${VAR?message}``) whose variable is missing."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


_VARIABLE = re.compile(
    r"\$\$"
    r"|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def _interpolate_string(text: str, env: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        missing = value is None or (op is not None and op.startswith(":") and value == "")
        if op in ("-", ":-"):
            return arg if missing else str(value)
        if op in ("?", ":?"):
            if missing:
                raise MissingVariableError(name, arg)
            return str(value)
        return "" if value is None else value

    if "${" in _VARIABLE.sub("", text):
        raise AssertionError(f"interpolation this test does not understand: {text!r}")
    return _VARIABLE.sub(replace, text)


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """Compose's interpolation over every string value of the parsed file (not over keys)."""
    if isinstance(node, str):
        return _interpolate_string(node, env)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def environment(service: Mapping[str, Any]) -> dict[str, str | None]:
    """A service's environment as a mapping; ``None`` is a pass-through (unset unless exported)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in env)
        return dict(pairs)
    return {key: None if value is None else str(value) for key, value in env.items()}


def depends_on(service: Mapping[str, Any]) -> dict[str, str]:
    """Dependency name -> condition (the short list form means ``service_started``)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def command_text(service: Mapping[str, Any]) -> str:
    """Entrypoint and command as one string, whichever form they are written in."""
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        value = service.get(key)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(str(item) for item in value)
    return " ".join(parts)


def published_ports(service: Mapping[str, Any]) -> dict[int, int]:
    """Host port -> container port."""
    ports: dict[int, int] = {}
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ports[int(entry["published"])] = int(entry["target"])
            continue
        fields = str(entry).split("/")[0].split(":")
        assert len(fields) >= 2, f"port {entry!r} publishes no fixed host port"
        ports[int(fields[-2])] = int(fields[-1])
    return ports


def search_attribute_setups(services: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: service
        for name, service in services.items()
        if "search-attribute create" in command_text(service)
    }


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing"
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any]) -> dict[str, Any]:
    result = interpolate(raw_compose, SAMPLE_ENV)
    assert isinstance(result, dict)
    return result


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    services = compose["services"]
    assert isinstance(services, dict)
    return services


# --- The services and how they connect ----------------------------------------------------------


def test_every_service_of_the_production_shape_exists(services: dict[str, Any]) -> None:
    missing = [name for name in CORE_SERVICES if name not in services]
    assert not missing, f"services missing from docker-compose.yml: {missing}"
    assert len(search_attribute_setups(services)) == 1, "one service registers search attributes"


def test_every_depends_on_names_a_defined_service(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            assert dependency in services, f"{name} depends on undefined service {dependency}"
            assert dependency != name, f"{name} depends on itself"
            assert condition in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }, f"{name} -> {dependency}: unknown condition {condition}"
            if condition == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{dependency} has no healthcheck"


def test_postgresql_is_pinned_healthy_and_persistent(services: dict[str, Any]) -> None:
    postgresql = services["postgresql"]
    assert postgresql["image"] == "postgres:16"
    assert postgresql.get("healthcheck", {}).get("test"), "postgresql needs a healthcheck"
    volumes = [str(volume) for volume in postgresql.get("volumes", [])]
    assert any(v.split(":")[1] == "/var/lib/postgresql/data" for v in volumes), volumes


def test_postgresql_init_creates_the_alur_database_of_the_url(services: dict[str, Any]) -> None:
    postgresql = services["postgresql"]
    mounts = {
        str(volume).split(":")[1]: str(volume).split(":")[0]
        for volume in postgresql.get("volumes", [])
    }
    source = mounts.get("/docker-entrypoint-initdb.d")
    assert source is not None, "no init scripts mounted at /docker-entrypoint-initdb.d"
    init_dir = (ROOT / source).resolve()
    assert init_dir.is_relative_to(ROOT / "deploy"), f"init scripts live under deploy/: {source}"
    scripts = sorted(init_dir.glob("*.sh")) + sorted(init_dir.glob("*.sql"))
    assert scripts, f"no init scripts in {init_dir}"
    text = "\n".join(script.read_text(encoding="utf-8") for script in scripts)
    assert "CREATE DATABASE" in text
    assert "CREATE ROLE" in text

    url = urlsplit(environment(services["api"])["ALUR_DATABASE_URL"] or "")
    env = environment(postgresql)
    assert env["POSTGRES_ALUR_DB"] == url.path.lstrip("/")
    assert env["POSTGRES_ALUR_USER"] == url.username
    assert env["POSTGRES_ALUR_PASSWORD"] == url.password == SAMPLE_ENV["POSTGRES_ALUR_PASSWORD"]


def test_temporal_runs_on_postgresql(services: dict[str, Any]) -> None:
    temporal = services["temporal"]
    image, _, tag = temporal["image"].partition(":")
    assert image == "temporalio/auto-setup"
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"pin the Temporal server version, not {tag!r}"
    env = environment(temporal)
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgresql"
    assert env["POSTGRES_SEEDS"] in services
    assert env["POSTGRES_USER"] == environment(services["postgresql"])["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == SAMPLE_ENV["POSTGRES_PASSWORD"]
    assert depends_on(temporal) == {"postgresql": "service_healthy"}


def test_ui_talks_to_temporal_and_decodes_through_the_api(services: dict[str, Any]) -> None:
    ui = services["temporal-ui"]
    assert ui["image"].startswith("temporalio/ui:")
    env = environment(ui)
    assert env["TEMPORAL_ADDRESS"] == TEMPORAL_FRONTEND
    assert env["TEMPORAL_CODEC_ENDPOINT"] == f"{SAMPLE_ENV['ALUR_PUBLIC_BASE_URL']}/codec"
    api_url = environment(services["api"])["ALUR_PUBLIC_BASE_URL"]
    assert env["TEMPORAL_CODEC_ENDPOINT"] == f"{api_url}/codec"
    assert published_ports(ui) == {8233: 8080}
    assert "temporal" in depends_on(ui)


def test_api_and_ui_publish_their_ports(services: dict[str, Any]) -> None:
    assert published_ports(services["api"]) == {8000: 8000}
    assert 8233 in published_ports(services["temporal-ui"])
    for name in ("postgresql", "temporal", "worker", "migrate"):
        assert not published_ports(services[name]), f"{name} should not be published"


@pytest.mark.parametrize("name", ALUR_SERVICES)
def test_alur_services_use_postgresql_and_temporal(services: dict[str, Any], name: str) -> None:
    env = environment(services[name])
    assert env["ALUR_ENVIRONMENT"] == "production"

    url = urlsplit(env["ALUR_DATABASE_URL"] or "")
    assert url.scheme == "postgresql+psycopg"
    assert url.hostname == "postgresql"
    assert url.hostname in services
    assert url.port == 5432
    assert url.path == "/alur"

    host, _, port = (env["ALUR_TEMPORAL_ADDRESS"] or "").partition(":")
    assert host == "temporal"
    assert host in services
    assert port == "7233"


@pytest.mark.parametrize("name", ["worker", "api"])
def test_worker_and_api_wait_for_migrations_and_temporal(
    services: dict[str, Any], name: str
) -> None:
    deps = depends_on(services[name])
    assert deps.get("migrate") == "service_completed_successfully"
    assert "temporal" in deps
    (setup,) = search_attribute_setups(services)
    assert deps.get(setup) == "service_completed_successfully", "start after the attributes exist"


def test_migrate_waits_for_a_healthy_database(services: dict[str, Any]) -> None:
    assert depends_on(services["migrate"]).get("postgresql") == "service_healthy"


def test_commands(services: dict[str, Any]) -> None:
    assert shlex.split(command_text(services["migrate"])) == ["alembic", "upgrade", "head"]
    assert shlex.split(command_text(services["worker"])) == ["python", "worker.py"]
    api = command_text(services["api"]) or dockerfile_command()
    assert "api.main:app" in api
    assert "--port 8000" in api
    assert not any("alur.seed" in command_text(service) for service in services.values())


# --- Search attributes --------------------------------------------------------------------------


def test_setup_registers_exactly_alurs_search_attributes(services: dict[str, Any]) -> None:
    ((name, setup),) = search_attribute_setups(services).items()
    assert "temporal" in depends_on(setup)
    creates = [
        line.strip()
        for line in command_text(setup).splitlines()
        if "search-attribute create" in line
    ]
    registered: dict[str, str] = {}
    for line in creates:
        assert f"--address {TEMPORAL_FRONTEND}" in line, f"{name}: {line}"
        pairs = re.findall(r"--name[ =](\S+)\s+--type[ =](\S+)", line)
        assert pairs, f"{name}: no --name/--type in {line}"
        for attribute, kind in pairs:
            assert attribute not in registered, f"{attribute} registered twice"
            registered[attribute] = kind
    assert registered == EXPECTED_SEARCH_ATTRIBUTES

    in_code = {key.name: key.indexed_value_type.name.lower() for key in SEARCH_ATTRIBUTES}
    assert {k: v.lower() for k, v in registered.items()} == in_code, "compose and code disagree"


def test_setup_uses_alurs_namespace(services: dict[str, Any]) -> None:
    (setup,) = search_attribute_setups(services).values()
    namespace = environment(services["api"])["ALUR_TEMPORAL_NAMESPACE"] or "default"
    text = command_text(setup)
    assert "--namespace" in text
    if "$NAMESPACE" in text:
        assert environment(setup)["NAMESPACE"] == namespace
    else:
        assert f"--namespace {namespace}" in text
    assert environment(services["temporal"]).get("DEFAULT_NAMESPACE", "default") == namespace


# --- Environment and secrets --------------------------------------------------------------------


def test_alur_services_share_one_environment(raw_compose: dict[str, Any]) -> None:
    shared = raw_compose.get("x-alur-env")
    assert isinstance(shared, dict), "the common Alur environment is the x-alur-env anchor"
    for name in ALUR_SERVICES:
        env = environment(raw_compose["services"][name])
        assert {k: v for k, v in env.items() if k in shared} == environment({"environment": shared})


def test_every_alur_variable_is_a_setting(raw_compose: dict[str, Any]) -> None:
    assert Settings.model_config.get("env_prefix") == "ALUR_"
    documents = [raw_compose.get("x-alur-env") or {}]
    documents += [service.get("environment") for service in raw_compose["services"].values()]
    names = {
        key
        for document in documents
        for key in environment({"environment": document})
        if key.startswith("ALUR_")
    }
    assert names, "no ALUR_ variables found"
    fields = Settings.model_fields
    unknown = sorted(n for n in names if n.removeprefix("ALUR_").lower() not in fields)
    assert not unknown, f"not fields of alur.settings.Settings: {unknown}"


@pytest.mark.parametrize("variable", REQUIRED_VARIABLES)
def test_a_missing_secret_fails_loudly(raw_compose: dict[str, Any], variable: str) -> None:
    for value in (None, ""):
        env = {k: v for k, v in SAMPLE_ENV.items() if k != variable}
        if value is not None:
            env[variable] = value
        with pytest.raises(MissingVariableError) as caught:
            interpolate(raw_compose, env)
        assert caught.value.name == variable


def test_secrets_are_not_written_into_the_file(raw_compose: dict[str, Any]) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for value in SAMPLE_ENV.values():
        assert value not in text
    shared = environment({"environment": raw_compose["x-alur-env"]})
    for key in ("ALUR_JWT_SECRET", "ALUR_PAYLOAD_KEY", "ALUR_TWILIO_AUTH_TOKEN"):
        assert re.fullmatch(r"\$\{" + key + r":\?[^}]+\}", shared[key] or ""), key


@pytest.mark.parametrize("name", ["worker", "api"])
def test_environment_loads_as_production_settings(services: dict[str, Any], name: str) -> None:
    env = environment(services[name])
    values: dict[str, Any] = {
        key.removeprefix("ALUR_").lower(): value
        for key, value in env.items()
        if key.startswith("ALUR_") and value is not None
    }
    settings = Settings(_env_file=None, **values)
    settings.check_production()
    assert settings.environment == "production"
    assert settings.jwt_secret.get_secret_value() == SAMPLE_ENV["ALUR_JWT_SECRET"]
    assert settings.payload_key.get_secret_value() == SAMPLE_ENV["ALUR_PAYLOAD_KEY"]
    assert settings.personal_ref_key.get_secret_value() == SAMPLE_ENV["ALUR_PERSONAL_REF_KEY"]
    assert settings.public_base_url == SAMPLE_ENV["ALUR_PUBLIC_BASE_URL"]
    assert settings.use_twilio
    assert not settings.dev_endpoints


# --- Metrics and logs -----------------------------------------------------------------------------

PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"


def _prometheus(services: dict[str, Any]) -> dict[str, Any]:
    prometheus = services.get("prometheus")
    assert prometheus, "the monitoring profile's prometheus service is missing"
    return dict(prometheus)


def _scrape_jobs(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Prometheus config the prometheus service mounts: job name -> scrape config."""
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in _prometheus(services)["volumes"]}
    source = mounts.get("/etc/prometheus/prometheus.yml")
    assert source is not None, "prometheus.yml is not mounted"
    assert (ROOT / source).resolve() == PROMETHEUS_CONFIG
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    return {job["job_name"]: job for job in config["scrape_configs"]}


def _targets(job: dict[str, Any]) -> set[tuple[str, int]]:
    found = set()
    for sd in job.get("dns_sd_configs", []):
        assert sd.get("type", "A") == "A"
        found |= {(name, int(sd["port"])) for name in sd["names"]}
    for static in job.get("static_configs", []):
        for target in static["targets"]:
            host, _, port = target.partition(":")
            found.add((host, int(port)))
    return found


def test_the_worker_serves_sdk_metrics_on_the_network_only(services: dict[str, Any]) -> None:
    worker = services["worker"]
    env = environment(worker)
    values: dict[str, Any] = {
        "worker_metrics_host": env["ALUR_WORKER_METRICS_HOST"],
        "worker_metrics_port": env["ALUR_WORKER_METRICS_PORT"],
    }
    settings = Settings(_env_file=None, **values)
    assert settings.worker_metrics_host == "0.0.0.0"  # reachable from the prometheus container
    port = settings.worker_metrics_port
    assert str(port) in [str(p) for p in worker.get("expose", [])]
    assert not published_ports(worker), "the worker's metrics are not published on the host"
    for name in ("api", "migrate"):
        assert "ALUR_WORKER_METRICS_PORT" not in environment(services[name])


def test_prometheus_scrapes_every_api_and_worker_replica(services: dict[str, Any]) -> None:
    prometheus = _prometheus(services)
    assert prometheus["image"].startswith("prom/prometheus:v")
    assert prometheus.get("profiles") == ["monitoring"], "optional: started with its profile"
    assert set(depends_on(prometheus)) == {"api", "worker"}
    assert published_ports(prometheus) == {9090: 9090}
    assert str(prometheus["ports"][0]).startswith("127.0.0.1:"), "its UI on the host's loopback"
    jobs = _scrape_jobs(services)

    api = jobs["alur-api"]
    api_port = int(published_ports(services["api"])[8000])
    assert _targets(api) == {("api", api_port)}
    assert api.get("metrics_path", "/metrics") == "/metrics"
    token_file = api["authorization"]["credentials_file"]
    assert api["authorization"].get("type", "Bearer") == "Bearer"
    # The service writes the token file from ALUR_METRICS_TOKEN before Prometheus starts.
    script = command_text(prometheus)
    assert f'"$ALUR_METRICS_TOKEN" > {token_file}' in script
    assert "exec /bin/prometheus --config.file=/etc/prometheus/prometheus.yml" in script
    assert environment(prometheus)["ALUR_METRICS_TOKEN"] == SAMPLE_ENV["ALUR_METRICS_TOKEN"]
    assert environment(services["api"])["ALUR_METRICS_TOKEN"] == SAMPLE_ENV["ALUR_METRICS_TOKEN"]

    worker = jobs["alur-worker"]
    port = int(environment(services["worker"])["ALUR_WORKER_METRICS_PORT"] or 0)
    assert _targets(worker) == {("worker", port)}
    for name, _ in _targets(api) | _targets(worker):
        assert name in services


def test_production_logs_are_json_and_the_metrics_need_a_token(services: dict[str, Any]) -> None:
    for name in ALUR_SERVICES:
        env = environment(services[name])
        assert env["ALUR_LOG_FORMAT"] == "json"
        values: dict[str, Any] = {"log_format": env["ALUR_LOG_FORMAT"]}
        settings = Settings(_env_file=None, **values)
        assert settings.log_format == "json"
    assert "ALUR_METRICS_TOKEN" in REQUIRED_VARIABLES


# --- Dockerfile ---------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    assert DOCKERFILE.is_file(), "Dockerfile is missing"
    logical: list[str] = []
    current = ""
    for raw_line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    pairs = []
    for line in logical:
        instruction, _, arguments = line.partition(" ")
        pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def dockerfile_command() -> str:
    parts = [args for op, args in dockerfile_instructions() if op in ("ENTRYPOINT", "CMD")]
    return " ".join(parts)


def test_dockerfile_builds_the_project_on_python_311_slim() -> None:
    instructions = dockerfile_instructions()
    bases = [args for op, args in instructions if op == "FROM"]
    assert bases, "no FROM"
    assert bases[-1].split()[0] == "python:3.11-slim"
    runs = " ".join(args for op, args in instructions if op == "RUN")
    assert re.search(r"pip install (\S+ )*\.(\s|$)", runs), "install the project with pip install ."
    copied = " ".join(args for op, args in instructions if op == "COPY")
    for path in ("pyproject.toml", "workflows", "activities", "sop", "db", "api", "alur"):
        assert re.search(rf"(^|\s){re.escape(path)}/?(\s|$)", copied), f"{path} is not copied"
    for path in ("worker.py", "alembic.ini"):
        assert path in copied, f"{path} is not copied"


def test_dockerfile_runs_as_non_root() -> None:
    users = [args for op, args in dockerfile_instructions() if op == "USER"]
    assert users, "the image must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_command_runs_the_api() -> None:
    command = dockerfile_command()
    assert "uvicorn" in command
    assert "api.main:app" in command
    assert "0.0.0.0" in command


def test_dockerignore_keeps_local_state_out() -> None:
    assert DOCKERIGNORE.is_file(), ".dockerignore is missing"
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".venv", ".alur", ".git", ".env", ".pytest_cache"):
        assert pattern in patterns, f".dockerignore should exclude {pattern}"
