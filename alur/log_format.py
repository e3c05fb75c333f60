"""Log lines for machines: ``ALUR_LOG_FORMAT=json`` makes the API and the worker write one JSON
object a line, with the case number and the workflow id where known, and never personal data.

Where the case comes from: a log call's own ``extra={"case_number": ..., "workflow_id": ...}``;
inside a Temporal activity or workflow, the workflow id the SDK knows (and the case number in it:
an officer case's workflow id is ``<sop>-<case number>``); inside an API request, the route's
``{nomor_kasus}``. What is kept out: the fields are chosen (no ``extra`` is copied blindly), an
exception is written as its type and frames without its message (a database error's message holds
the SQL parameters, a validation error's the input), and the message itself has what looks like a
token, an e-mail address or a phone number or NIK (a run of nine or more digits) replaced, in case
a message of a library (Twilio's "the number +62... is not valid") carries one. uvicorn's access
log (client address and raw query string) is replaced by ``api/metrics.py``'s line per request.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

_request: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "alur_request_scope", default=None
)

_CASE_IN_WORKFLOW_ID = re.compile(r"^[a-z][a-z0-9_]*-(?P<case>[A-Z][A-Z0-9]*-[A-Z0-9-]+)$")
_CASE_PARAMS = ("nomor_kasus", "nomor")

_REDACTIONS = (
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "[token]"),
    (re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+"), "Bearer [token]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w*])\+?\d(?:[ .-]?\d){8,}(?![\w*])"), "[angka]"),
)


# A case number (``api.cases.intake.case_number``) is kept whole: one drawn as hex digits that
# happen to be all decimal (``MLG-261201-08176718``, about 2% of them) reads as a fourteen-digit
# run, and redacting it would take from the log line the one thing it must carry.
_CASE_NUMBER = re.compile(r"\b[A-Z]{3}-(?:\d{6}-[0-9A-F]{8}|K[0-9A-F]{12})\b")


def redact(text: str) -> str:
    """``text`` with tokens, e-mail addresses and long digit runs (phones, NIKs) replaced, and
    case numbers left as they are."""
    kept = _CASE_NUMBER.split(text)
    numbers = _CASE_NUMBER.findall(text)
    for pattern, replacement in _REDACTIONS:
        kept = [pattern.sub(replacement, part) for part in kept]
    return "".join(part + number for part, number in zip(kept, [*numbers, ""], strict=True))


def case_number_of(workflow_id: str | None) -> str | None:
    """The case number in an officer case's workflow id (``malang-MLG-260101-AB12CD34``)."""
    if not workflow_id:
        return None
    found = _CASE_IN_WORKFLOW_ID.match(workflow_id)
    return found.group("case") if found else None


def bind_request(scope: MutableMapping[str, Any]) -> contextvars.Token[Mapping[str, Any] | None]:
    """Tie log lines of this request (its task and the threads it hands work to) to its ASGI
    scope, which the router fills with the path parameters once it has matched a route."""
    return _request.set(scope)


def unbind_request(token: contextvars.Token[Mapping[str, Any] | None]) -> None:
    _request.reset(token)


def _temporal_workflow_id() -> str | None:
    try:
        from temporalio import activity

        if activity.in_activity():
            return activity.info().workflow_id
    except Exception:  # noqa: BLE001 - a log line never fails for want of context
        return None
    return None


def log_context(record: logging.LogRecord) -> dict[str, str]:
    """The case number and workflow id of a record, where known."""
    found: dict[str, str] = {}
    for key in ("case_number", "workflow_id"):
        value = getattr(record, key, None)
        if isinstance(value, str) and value:
            found[key] = value
    if "workflow_id" not in found:
        for attribute in ("temporal_workflow", "temporal_activity"):
            details = getattr(record, attribute, None)
            if isinstance(details, Mapping) and isinstance(details.get("workflow_id"), str):
                found["workflow_id"] = details["workflow_id"]
                break
        else:
            workflow_id = _temporal_workflow_id()
            if workflow_id:
                found["workflow_id"] = workflow_id
    if "case_number" not in found:
        scope = _request.get()
        params = scope.get("path_params") if scope else None
        if isinstance(params, Mapping):
            for name in _CASE_PARAMS:
                if isinstance(params.get(name), str):
                    found["case_number"] = params[name]
                    break
    if "case_number" not in found:
        case = case_number_of(found.get("workflow_id"))
        if case:
            found["case_number"] = case
    return found


_FIELDS = ("method", "route", "status", "duration_ms")
"""Fields of the API's request line (``api/metrics.py``) copied as they are: none is personal."""


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the case's ids, the request's."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        line.update(log_context(record))
        for key in _FIELDS:
            value = getattr(record, key, None)
            if isinstance(value, str | int | float):
                line[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            line["exception"] = {
                "type": kind.__name__,
                "frames": [
                    f"{frame.filename}:{frame.lineno} in {frame.name}"
                    for frame in traceback.extract_tb(tb)
                ],
            }
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str, *, level: int = logging.INFO) -> None:
    """Set the process's log format. ``json``: every logger (uvicorn's too) writes through
    ``JsonFormatter`` to stderr, and uvicorn's access log is off (the API logs each request
    itself). ``text``: a readable line, as before."""
    root = logging.getLogger()
    if log_format != "json":
        if not root.handlers:
            logging.basicConfig(
                level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
            )
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
    access.disabled = True
    sys.excepthook = _log_uncaught
    sys.unraisablehook = _log_unraisable


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """An exception that ends the process, as one JSON line (not a raw traceback on stderr)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("alur").critical(
        "the process stops on an uncaught %s", kind.__name__, exc_info=(kind, value, tb)
    )


def _log_unraisable(unraisable: Any) -> None:
    """An exception Python cannot raise (in a finaliser, at shutdown), as one JSON line."""
    error = unraisable.exc_value
    logging.getLogger("alur").warning(
        "ignored %s in %s",
        type(error).__name__ if error is not None else "exception",
        type(unraisable.object).__name__,
        exc_info=(type(error), error, unraisable.exc_traceback) if error is not None else None,
    )
