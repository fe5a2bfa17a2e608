"""The stand-in's side of files_upload_v2: an upload URL on its own loopback server, the bytes POSTed there, and
files.completeUploadExternal sharing them in a channel or thread, as Slack does (files.getUploadURLExternal,
then a raw POST to the URL, then the share)."""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

from bot.demo.standin_records import Call, Channel, Fault

# The Fault method that makes the upload URL answer with an error (it is no Web API method).
UPLOAD = "upload"


class FileMethods:
    """``files.getUploadURLExternal``, the upload URL and ``files.completeUploadExternal``; files kept with their
    bytes so tests can look at what was shared."""

    files: dict[str, dict[str, Any]]
    calls: list[Call]
    bot_user_id: str
    bot_id: str
    _lock: threading.RLock
    _changed: threading.Condition
    _seq: int

    if TYPE_CHECKING:  # provided by the stand-in and its Web API methods

        @property
        def address(self) -> str: ...

        def _next_ts(self) -> str: ...

        def _writable(self, args: dict[str, Any]) -> tuple[Channel | None, str | None]: ...

        def _place(self, channel: Channel, message: dict[str, Any], thread_ts: str | None) -> str | None: ...

        def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None: ...

    def _api_files_getUploadURLExternal(self, args):
        filename, length = args.get("filename"), str(args.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        self._seq += 1
        file_id = f"F{self._seq:09d}"
        self.files[file_id] = {
            "id": file_id,
            "name": filename,
            "length": int(length),
            "bytes": None,
            "title": None,
            "shares": [],
        }
        return {"ok": True, "upload_url": f"http://{self.address}/upload/v1/{file_id}", "file_id": file_id}

    def receive_upload(self, path: str, raw: bytes) -> tuple[int, str]:
        """The raw POST of a file's bytes to its upload URL: (status, plain-text body), as files.slack.com answers."""
        with self._lock:
            file_id = path.rsplit("/", 1)[-1]
            self.calls.append(Call(UPLOAD, {"file_id": file_id, "length": len(raw)}, time.time(), None))
            self._changed.notify_all()
            fault = self._take_fault(UPLOAD, {})
            if fault is not None:
                return fault.status, f"error: {fault.error}"
            file = self.files.get(file_id)
            if file is None:
                return 404, "not found"
            file["bytes"] = raw
            return 200, f"OK - {len(raw)}"

    def _api_files_completeUploadExternal(self, args):
        listed = _json(args.get("files"))
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        files = [self.files.get(str(entry.get("id"))) for entry in listed if isinstance(entry, dict)]
        if any(f is None or f["bytes"] is None or len(f["bytes"]) != f["length"] for f in files):
            return {"ok": False, "error": "file_not_found"}
        for entry, file in zip(listed, files, strict=True):
            assert file is not None
            file["title"] = entry.get("title") or file["name"]
        shared = [f for f in files if f is not None]
        channel_id = args.get("channel_id")
        if channel_id:
            channel, error = self._writable({"channel": channel_id})
            if error or channel is None:
                return {"ok": False, "error": error}
            message = {
                "type": "message",
                "subtype": "file_share",
                "ts": self._next_ts(),
                "text": args.get("initial_comment") or "",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "files": [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in shared],
                "replies": [],
            }
            error = self._place(channel, message, args.get("thread_ts"))
            if error:
                return {"ok": False, "error": error}
            for file in shared:
                file["shares"].append(
                    {
                        "channel": channel.id,
                        "ts": message["ts"],
                        "thread_ts": args.get("thread_ts"),
                        "comment": message["text"],
                    }
                )
        return {"ok": True, "files": [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in shared]}

    def shared_files(self) -> list[dict[str, Any]]:
        """Every file shared somewhere, with its bytes and where it went (``shares``)."""
        with self._lock:
            return [dict(f) for f in self.files.values() if f["shares"]]


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value
