"""The processes ``make run`` keeps up: started so none outlives the supervisor, restarted with a
bounded backoff when one exits, and given up on (everything stopped, a non-zero exit) when one keeps
exiting.

Each child runs in its own session (Ctrl-C in the terminal reaches only the supervisor, which stops
them in order) and, on Linux, with ``PR_SET_PDEATHSIG``: should the supervisor itself die, even by
SIGKILL, the kernel sends each child SIGTERM, so no Temporal server, worker or API is left holding
the ports for the next run to trip over.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from alur.settings_run import RunSettings

_PR_SET_PDEATHSIG = 1


def say(line: str) -> None:
    """One line on the console, at once; a console that is gone (SIGHUP) is no error."""
    with contextlib.suppress(OSError, ValueError):
        print(line, flush=True)  # noqa: T201


def describe_exit(code: int) -> str:
    """``exit code 1``, ``killed by SIGKILL``."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks the kernel to SIGTERM the child when this process dies.

    ``prctl`` is looked up here, in the parent, so the child only makes the call (a forked child
    of a threaded process should do as little as it can). The death signal follows the thread that
    forked, so the supervisor starts every child from its main thread."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the supervisor died before the call: follow it now
            os._exit(1)

    return preexec


@dataclass
class Child:
    """One supervised process."""

    name: str
    """Its short name on the console: ``temporal``, ``worker``, ``api``."""
    label: str
    """Who it is, in a sentence: "the worker"."""
    argv: Sequence[str]
    log: Path
    stop_signal: signal.Signals = signal.SIGINT
    cwd: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    exits: deque[float] = field(default_factory=deque)
    """When it exited, within the restart window."""
    restart_at: float | None = None
    starts: int = 0
    after: Child | None = None
    """A child this one needs (the worker and the API need the Temporal server): its restart
    waits until that one is up and ``ready``, so it does not spend its restarts on an outage."""
    ready: Callable[[], bool] | None = None
    """Whether this child serves (the Temporal server: its port accepts a connection)."""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def serving(self) -> bool:
        """Running and, where it says how to tell, ready."""
        return self.running and (self.ready is None or self.ready())

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                list(self.argv),
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent(),  # noqa: PLW1509 - only a prctl call, see above
            )
        self.restart_at = None
        self.starts += 1

    def signal(self, sig: signal.Signals) -> None:
        """Signal the child's whole process group (it leads its own session)."""
        if self.running:
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def wait(self, timeout: float) -> None:
        """Wait for it to end; kill its group when it takes longer than ``timeout``."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


class GiveUp(Exception):
    """A child exited too often to be kept up: ``str()`` says which and why."""


class Supervisor:
    """Keeps its children up; ``tick()`` is called often (every fraction of a second)."""

    def __init__(self, policy: RunSettings, *, clock: Callable[[], float] = time.monotonic):
        self.policy = policy
        self.children: list[Child] = []
        self.clock = clock

    def add(self, child: Child) -> Child:
        """Start a child and supervise it from now on."""
        child.start()
        self.children.append(child)
        return child

    def delay(self, exits: int) -> float:
        """The wait before the restart after the ``exits``-th exit within the window."""
        base = self.policy.restart_delay.total_seconds()
        ceiling = self.policy.restart_delay_max.total_seconds()
        return float(min(base * 2 ** (exits - 1), ceiling))

    def tick(self) -> None:
        """Notice exits, schedule restarts with backoff, run the restarts that are due; raise
        ``GiveUp`` when a child exited ``max_restarts`` times within the window."""
        now = self.clock()
        window = self.policy.restart_window.total_seconds()
        for child in self.children:
            proc = child.proc
            if child.restart_at is not None:
                if now >= child.restart_at and (child.after is None or child.after.serving()):
                    child.start()
                    say(f"{child.name}: restarted {child.label}.")
                continue
            if proc is None or proc.poll() is None:
                continue
            child.exits.append(now)
            while child.exits and child.exits[0] < now - window:
                child.exits.popleft()
            count = len(child.exits)
            how = describe_exit(proc.returncode)
            if count >= self.policy.max_restarts:
                raise GiveUp(
                    f"{child.name}: {child.label} exited {count} times within {window:g} s "
                    f"(last: {how}); giving up and stopping everything. See {child.log}"
                )
            wait = self.delay(count)
            child.restart_at = now + wait
            say(
                f"{child.name}: {child.label} exited ({how}); restarting it in {wait:g} s "
                f"(exit {count} of {self.policy.max_restarts} allowed within {window:g} s; "
                f"see {child.log})"
            )

    def stop(self, *, last: Sequence[str] = ()) -> None:
        """Stop every child: all but ``last`` first (each asked with its stop signal, then
        waited for), then those of ``last`` in order, each killed if it overruns the timeout."""
        timeout = self.policy.stop_timeout.total_seconds()
        first = [c for c in reversed(self.children) if c.name not in last]
        then = [c for name in last for c in self.children if c.name == name]
        for group in (first, then):
            for child in group:
                child.restart_at = None
                child.signal(child.stop_signal)
            for child in group:
                child.wait(timeout)
