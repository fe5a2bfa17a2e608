"""Group commit: work submitted together shares one transaction; one failing item never fails its neighbours."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.intake.group_commit import GroupCommit
from models.db import new_session
from models.workspace import Workspace

# The batch closes when this many items are in (the window is long enough never to close it first).
BATCH = 5
WINDOW = 30.0


def store(workspace_id: str):
    def work(session):
        session.add(Workspace(id=workspace_id))
        session.flush()
        return workspace_id, id(session.get_transaction())

    return work


def fail_after_writing(workspace_id: str):
    def work(session):
        session.add(Workspace(id=workspace_id))
        session.flush()
        raise ValueError("this one is bad")

    return work


def stored_ids(engine) -> set[str]:
    with new_session(engine, read_only=True) as session:
        return set(session.exec(select(Workspace.id)))


@pytest.fixture
def group(engine):
    group = GroupCommit(engine, window_seconds=WINDOW, max_batch=BATCH)
    yield group
    group.stop()


def test_one_bad_item_is_rolled_back_alone_and_its_neighbours_are_stored_in_the_same_transaction(engine, group):
    futures = [
        group.submit(store("T0GOOD1")),
        group.submit(fail_after_writing("T0BAD")),
        group.submit(store("T0GOOD2")),
        group.submit(store("T0GOOD1")),  # the same primary key again: IntegrityError at its flush
        group.submit(store("T0GOOD3")),
    ]
    good = [futures[i].result(timeout=60) for i in (0, 2, 4)]
    with pytest.raises(ValueError, match="this one is bad"):
        futures[1].result(timeout=60)
    with pytest.raises(IntegrityError):
        futures[3].result(timeout=60)
    assert [workspace_id for workspace_id, _ in good] == ["T0GOOD1", "T0GOOD2", "T0GOOD3"]
    assert len({transaction for _, transaction in good}) == 1  # one shared transaction
    assert group.batches == 1
    assert stored_ids(engine) == {"T0GOOD1", "T0GOOD2", "T0GOOD3"}


def test_a_batch_whose_every_item_fails_stores_nothing_and_the_writer_carries_on(engine, group):
    failed = [group.submit(fail_after_writing(f"T0BAD{n}")) for n in range(BATCH)]
    for future in failed:
        with pytest.raises(ValueError):
            future.result(timeout=60)
    later = [group.submit(store(f"T0LATER{n}")) for n in range(BATCH)]
    assert [f.result(timeout=60)[0] for f in later] == [f"T0LATER{n}" for n in range(BATCH)]
    assert stored_ids(engine) == {f"T0LATER{n}" for n in range(BATCH)}


def test_stop_stores_what_was_accepted_first(engine):
    group = GroupCommit(engine, window_seconds=WINDOW, max_batch=100)
    futures = [group.submit(store(f"T0STOP{n}")) for n in range(3)]
    group.stop()  # the batch is still open (3 of 100, inside the window): stop closes and commits it
    assert [f.result(timeout=0)[0] for f in futures] == ["T0STOP0", "T0STOP1", "T0STOP2"]
    assert stored_ids(engine) == {"T0STOP0", "T0STOP1", "T0STOP2"}
