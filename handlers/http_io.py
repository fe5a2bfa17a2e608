"""Reading request bodies safely and answering HTTP errors as JSON, in one place."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.errors import ConfigError, InvalidFeedback, LoopkeeperError
from bot.intake.signatures import BadSignature


class BodyTooLarge(LoopkeeperError):
    """The request body is over the endpoint's limit."""


async def read_body(request: Request, *, limit: int) -> bytes:
    """The raw body, refusing anything over ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body is {declared} bytes; the limit is {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


_STATUS = {BodyTooLarge: 413, BadSignature: 401, InvalidFeedback: 422, ConfigError: 503}


def error_response(exc: LoopkeeperError) -> JSONResponse:
    """``{"error": ...}`` with the status that fits the error's type."""
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    if isinstance(exc, InvalidFeedback) and exc.where is None:
        status = 400  # the body as a whole is unreadable, not one field
    body = {"error": printable(str(exc))}
    if isinstance(exc, InvalidFeedback) and exc.where:
        body["field"] = exc.where
    return JSONResponse(body, status_code=status)


def printable(text: str) -> str:
    """Text safe to put in a JSON answer: invalid code points (lone surrogates) replaced."""
    return text.encode("utf-8", "replace").decode("utf-8")
