"""How a loop ended, how the customer was reached and what caused it: the choices in the Resolve modal."""

from __future__ import annotations

from sqlmodel import Session

from models.workspace import get_workspace

OUTCOMES = {
    "contacted_fixed": "Contacted – issue fixed",
    "contacted_not_fixable": "Contacted – not fixable",
    "saved": "Customer saved / retained",
    "churned": "Customer churned",
    "no_response": "No response after several attempts",
    "not_actionable": "Not actionable",
}
CONTACT_METHODS = {"call": "Call", "email": "Email", "chat": "Chat", "in_person": "In person"}

# Why the customer was unhappy, as most teams first sort it; a workspace can keep its own list.
DEFAULT_ROOT_CAUSES = (
    "Product bug",
    "Missing feature",
    "Billing error",
    "Slow support",
    "Onboarding gap",
    "Communication",
    "Expectations",
    "Other",
)
ROOT_CAUSE_LENGTH = 80


def root_causes(session: Session, *, workspace_id: str) -> list[str]:
    """The workspace's root causes, in order (the built-in list until it keeps its own)."""
    workspace = get_workspace(session=session, workspace_id=workspace_id)
    listed = workspace.root_causes if workspace is not None else None
    return list(listed) if listed is not None else list(DEFAULT_ROOT_CAUSES)
