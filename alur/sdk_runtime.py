"""The Temporal SDK's runtime for Alur's processes: its core's log lines go through Python's
``logging`` (so ``ALUR_LOG_FORMAT=json`` formats them like every other line, instead of the core
writing its own format to stderr), and the worker's runtime serves the SDK's Prometheus metrics.

It must become the default runtime before the process makes its first Temporal client.
"""

from __future__ import annotations

import logging

from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

log = logging.getLogger("alur.sdk_runtime")


def _telemetry(metrics_address: str | None) -> TelemetryConfig:
    return TelemetryConfig(
        logging=LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
        ),
        metrics=PrometheusConfig(bind_address=metrics_address) if metrics_address else None,
    )


def install_sdk_runtime(metrics_address: str | None = None) -> bool:
    """Make the default runtime forward the core's logs and, given ``host:port``, serve the SDK's
    metrics there at ``/metrics``; whether they are served. A port that is taken costs the metrics,
    not the process: an error line, and the runtime without them. A default runtime that already
    exists (a client was made first) is kept."""
    served = metrics_address is not None
    try:
        runtime = Runtime(telemetry=_telemetry(metrics_address))
    except ValueError as err:
        log.error("Temporal SDK metrics not served on %s (%s)", metrics_address, err)
        runtime, served = Runtime(telemetry=_telemetry(None)), False
    try:
        Runtime.set_default(runtime, error_if_already_set=True)
    except RuntimeError:
        log.warning("a Temporal runtime existed already: SDK logs and metrics left as they were")
        return False
    return served
