"""The sandbox Alur's workflows run in: the SDK's default, with the pure modules passed through.

The sandbox imports a workflow's module afresh for every case it starts, and with it every module
that is not passed through. Alur's models, step tables and policies are pure (pydantic models,
frozen dataclasses, constants: no I/O, no clock, no module state), so re-importing them per case
isolates nothing and costs the worker CPU on every new case (each pydantic model's schema built
again). Temporal's sandbox guide asks for exactly this: pass through the models and other
deterministic modules. The workflow modules themselves (``workflow.py``, the case kernel's
``trail``, ``human_step`` and the like) stay sandboxed, so their calls are still checked.

Every worker and replayer of Alur's workflows uses ``WORKFLOW_RUNNER``, so tests run what
production runs.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PURE_MODULES: tuple[str, ...] = (
    "sop",
    "alur.case_ref",
    "alur.temporal",
    "workflows.case.models",
    "workflows.case.policies",
    "workflows.case.step_table",
    "workflows.case.text",
    "workflows.magelang.models",
    "workflows.magelang.steps",
    "workflows.malang.models",
    "workflows.malang.steps",
    "workflows.probolinggo.models",
    "workflows.probolinggo.policies",
    "workflows.trenggalek.models",
    "workflows.trenggalek.steps",
)
"""Modules with no I/O, clock or module state, imported once per worker instead of once per case."""

WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PURE_MODULES)
)
