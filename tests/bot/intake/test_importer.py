"""CSV / JSON-lines import: per-row validation, dedupe, cards only for recent rows, dry runs."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.errors import ConfigError
from bot.intake.importer import ImportOptions, parse_mapping, run_import, write_rejects
from models import Feedback, Loop, OutboxItem
from models.db import new_session

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WORKSPACE = "T0IMPORT"


def write_csv(path, rows, header=("id", "score", "comment", "email", "created_at", "touchpoint")):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def table(engine, model):
    with new_session(engine, read_only=True) as session:
        return list(session.exec(select(model)))


def run(engine, path, **options):
    options.setdefault("source", "legacy")
    return run_import(
        engine,
        workspace_id=WORKSPACE,
        path=path,
        options=ImportOptions(**options),
        default_channel="C0DEFAULT",
        now=NOW,
    )


def test_rows_are_validated_one_by_one_with_line_numbers(engine, tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["a1", "3", "slow", "a@x.io", "2026-01-05T10:00:00Z", "billing"],
            ["a2", "11", "", "", "", ""],  # line 3: out of range
            ["", "5", "", "", "", ""],  # line 4: no id
            ["a4", "seven", "", "", "", ""],  # line 5: not a number
            ["a5", "9", "great", "b@x.io", "not a date", ""],  # line 6: bad date
            ["a1", "3", "slow", "a@x.io", "2026-01-05T10:00:00Z", "billing"],  # line 7: repeat of line 2
        ],
    )
    summary = run(engine, path)
    assert summary.rows == 6 and summary.imported == 1 and summary.duplicates == 1
    assert [(n, reason.split(":")[0]) for n, reason, _ in summary.rejected] == [
        (3, "score"),
        (4, "id"),
        (5, "score"),
        (6, "created_at"),
    ]
    [row] = table(engine, Feedback)
    assert (row.external_id, row.score, row.customer_email, row.touchpoint) == ("a1", 3, "a@x.io", "billing")


def test_only_rows_newer_than_the_cutoff_get_loops_and_cards(engine, tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["old", "2", "", "", "2026-01-05T10:00:00Z", ""],
            ["new", "2", "", "", "2026-11-22T10:00:00Z", ""],
            ["undated", "2", "", "", "", ""],
        ],
    )
    summary = run(engine, path, cards_since=NOW - timedelta(days=7))
    assert summary.outcomes == {"stored": 2, "created": 1}
    [loop] = table(engine, Loop)
    assert {f.external_id: f.loop_id for f in table(engine, Feedback)} == {"old": None, "new": loop.id, "undated": None}
    [card] = table(engine, OutboxItem)
    assert card.method == "chat.postMessage" and card.loop_id == loop.id


def test_dry_run_writes_nothing(engine, tmp_path):
    path = write_csv(tmp_path / "f.csv", [["d1", "4", "", "", "2026-11-22T10:00:00Z", ""], ["d1", "4", "", "", "", ""]])
    summary = run(engine, path, dry_run=True, cards_since=NOW - timedelta(days=7))
    assert summary.outcomes == {"would import": 1, "duplicate": 1}
    assert table(engine, Feedback) == [] and table(engine, OutboxItem) == []


def test_reimport_is_all_duplicates_and_a_changed_row_is_an_update(engine, tmp_path):
    rows = [["u1", "8", "fine", "", "2026-01-05T10:00:00Z", ""], ["u2", "9", "", "", "2026-01-05T10:00:00Z", ""]]
    run(engine, write_csv(tmp_path / "a.csv", rows))
    again = run(engine, write_csv(tmp_path / "b.csv", rows))
    assert again.outcomes == {"duplicate": 2}
    rows[0][1] = "2"
    changed = run(engine, write_csv(tmp_path / "c.csv", rows))
    assert changed.outcomes == {"updated": 1, "duplicate": 1}
    assert {f.external_id: f.score for f in table(engine, Feedback)} == {"u1": 2, "u2": 9}


def test_column_mapping_and_jsonl(engine, tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"Response ID": 17, "NPS": 6, "Why": "meh", "Tags": "a;b", "ARR": "48,000"}),
                "{broken",
                json.dumps([1, 2]),
                "",
            ]
        )
    )
    summary = run(
        engine, path, columns=parse_mapping(["id=Response ID", "score=NPS", "comment=Why", "tags=Tags", "arr=ARR"])
    )
    assert summary.imported == 1
    assert [(n, r) for n, r, _ in summary.rejected] == [(2, "line is not valid JSON"), (3, "line is not a JSON object")]
    [row] = table(engine, Feedback)
    assert (row.external_id, row.score, row.comment, row.tags, int(row.arr)) == ("17", 6, "meh", ["a", "b"], 48000)


def test_rejects_file_keeps_line_reason_and_the_original_row(tmp_path):
    path = tmp_path / "rejects.csv"
    write_rejects(path, [(3, "score: must be between 0 and 10 for scale nps (got 11)", {"id": "a2", "score": "11"})])
    assert list(csv.reader(path.open())) == [
        ["line", "reason", "id", "score"],
        ["3", "score: must be between 0 and 10 for scale nps (got 11)", "a2", "11"],
    ]


@pytest.mark.parametrize("pair", ["nps=Score", "score", "score="])
def test_bad_mapping_is_explained(pair):
    with pytest.raises(ConfigError, match="field=column"):
        parse_mapping([pair])
