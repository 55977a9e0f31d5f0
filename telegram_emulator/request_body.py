"""Decoding Bot API request bodies: query string, JSON, urlencoded and multipart forms."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from telegram_emulator.errors import bad_request
from telegram_emulator.spec import UploadedFile

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """(parameters, uploaded files). A file part named like a parameter becomes its value;
    parts referenced as ``attach://name`` stay in the uploads."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if request.content_type == "application/json" and request.can_read_body:
        params.update(await _json_body(request))
    elif request.content_type in FORM_TYPES:
        await _read_form(request, params, uploads)
    attached = {
        value[len("attach://") :]
        for value in params.values()
        if isinstance(value, str) and value.startswith("attach://")
    }
    for name, upload in uploads.items():
        if name not in attached:
            params[name] = upload
    return {k: v for k, v in params.items() if v is not None}, uploads


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse JSON request body") from None
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


async def _read_form(
    request: web.Request, params: dict[str, Any], uploads: dict[str, UploadedFile]
) -> None:
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            uploads[name] = UploadedFile(
                filename=value.filename,
                content_type=value.content_type,
                data=value.file.read(),
            )
        else:
            params[name] = value
