"""Replays recorded histories of the Malang workflow: a change to the workflow that would take a
running case down a different path (non-determinism) fails here, in CI, before it reaches a case."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from alur.temporal import data_converter
from tests.conftest import TEST_PAYLOAD_KEY
from workflows.malang.workflow import MalangPengelolaanTIKWorkflow
from workflows.runner import WORKFLOW_RUNNER

HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("malang_*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_malang_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json("malang-replay", path.read_text())
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=[MalangPengelolaanTIKWorkflow],
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def test_there_is_a_history_to_replay() -> None:
    assert HISTORIES, "no recorded history under tests/histories/"
