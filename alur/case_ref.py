"""The reference to a case that workflows, activities and the API all pass around.

It lives outside ``workflows/`` and ``activities/`` because both layers need it and neither should
import the other for it: an activity module importing the workflow package would drag workflow code
into the worker's activity imports, and the other way round into the sandbox.
"""

from __future__ import annotations

from pydantic import BaseModel


class CaseRef(BaseModel):
    """Identifies a case in every activity call; carries no personal data."""

    workflow_id: str
    case_number: str
    sop: str
    agency: str
