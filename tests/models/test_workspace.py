"""The workspace row: created once, even when two processes meet a new database at the same moment."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from models import Workspace
from models.workspace import get_or_create_workspace


def test_two_first_uses_at_once_both_get_the_one_row(engine):
    # Replicas starting together on a fresh database: the second's insert waits for the first's commit.
    first = Session(engine)
    first.begin()
    get_or_create_workspace(session=first, workspace_id="T0NEW")  # inserted, not yet committed
    second_got: list[str] = []
    errors: list[BaseException] = []

    def second_process() -> None:
        try:
            with Session(engine) as session:
                second_got.append(get_or_create_workspace(session=session, workspace_id="T0NEW").id)
                session.commit()
        except BaseException as exc:  # reported below, with the test's own assertion
            errors.append(exc)

    second = threading.Thread(target=second_process)
    second.start()
    second.join(0.5)  # it is waiting on the first's write (SQLite's lock, PostgreSQL's unique index)
    first.commit()
    first.close()
    second.join(30)

    assert errors == [] and second_got == ["T0NEW"]
    with Session(engine) as session:
        assert session.exec(select(Workspace.id).where(Workspace.id == "T0NEW")).all() == ["T0NEW"]


def test_a_known_workspace_is_returned_as_it_is(session):
    made = get_or_create_workspace(session=session, workspace_id="T0KNOWN")
    made.default_channel_id = "C0DEFAULT"
    session.commit()
    again = get_or_create_workspace(session=session, workspace_id="T0KNOWN")
    assert (again.id, again.default_channel_id, again.source_options) == ("T0KNOWN", "C0DEFAULT", {})
