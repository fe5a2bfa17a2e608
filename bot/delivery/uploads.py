"""Sharing a file through slack_sdk's files_upload_v2: an upload URL, the bytes sent to it, then the share."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

# How slack_sdk says the upload URL did not take the bytes (any answer but 200).
_UPLOAD_REFUSED = "Failed to upload a file"


class UploadFailed(ConnectionError):
    """The upload URL answered something other than 200: retried like a dropped connection."""


def upload_file(client: WebClient, args: dict[str, Any]) -> dict[str, Any]:
    """Share ``content`` (bytes) as ``filename`` titled ``title`` in ``channel``, optionally in ``thread_ts`` with
    ``initial_comment``. A user id as the channel means the app's DM with them (opened first). Returns the
    channel it went to and the file's id."""
    channel = str(args["channel"])
    if channel[:1] in "UW":
        opened = client.conversations_open(users=channel).get("channel") or {}
        channel = str(opened.get("id") or channel)
    try:
        response = client.files_upload_v2(
            channel=channel,
            content=args["content"],
            filename=args["filename"],
            title=args.get("title"),
            initial_comment=args.get("initial_comment"),
            thread_ts=args.get("thread_ts"),
        )
    except SlackRequestError as exc:
        if str(exc).startswith(_UPLOAD_REFUSED):
            raise UploadFailed(str(exc)[:200]) from exc
        raise
    shared = response.get("file") or {}
    return {"channel": channel, "file": shared.get("id")}


def has_file(message: dict[str, Any], filename: str | None) -> bool:
    """Whether a message (as history lists it) shares a file of this name."""
    return bool(filename) and any(f.get("name") == filename for f in message.get("files") or [])
