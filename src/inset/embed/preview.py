"""Admin previews: an embed session minted exactly as the public embed API would mint it for
one external user, framed by the admin web UI itself, plus the embed playground's code.

A preview goes through :func:`inset.embed.service.mint_embed_url` (the same app, release,
group, page and access checks; the same session and row filters at run time). The one
difference: the session's parent origin is the instance's own origin (from
INSET_PUBLIC_URL), which only a preview may use, so the admin page can frame it. Audited as
``embed_url.created`` and ``admin.preview``, both with the admin as the actor."""

from __future__ import annotations

import json
import pprint
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from inset.apps import service as apps
from inset.apps.models import App, Release
from inset.audit.service import record
from inset.deps import Caller
from inset.embed import service as embed
from inset.embed.schemas import EmbedUrlRequest
from inset.errors import ValidationFailed

EMBED_PATH = "/api/embed-url/external-user"
TOKEN_VARIABLE = "INSET_TOKEN"


class PreviewRequest(EmbedUrlRequest):
    """POST /api/v1/apps/{app}/preview: the embed request without the app (the path names
    it). ``parentOrigin`` is ignored: a preview is framed by the admin UI's own origin."""

    landingPageUuid: str = Field(default="", max_length=200)


@dataclass(frozen=True)
class Preview:
    embed_url: str
    parent_origin: str
    app_slug: str
    release: str


def own_origin(public_url: str) -> str:
    """``scheme://host[:port]`` of INSET_PUBLIC_URL: the admin UI's origin."""
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _check_host_origin(session: AsyncSession, body: EmbedUrlRequest) -> None:
    """The playground's parent origin must be one the app allows (else the generated code
    would fail): the same 422 as the embed API."""
    if body.parentOrigin is None:
        return
    app = await apps.resolve_app(session, body.landingPageUuid, field="landingPageUuid")
    release = await apps.resolve_release(session, app, body.releaseVersion, field="releaseVersion")
    if body.parentOrigin not in release.bundle.get("embed", {}).get("parentOrigins", []):
        raise ValidationFailed(
            f"parentOrigin: {body.parentOrigin} is not in the app's embed.parentOrigins",
            field="parentOrigin",
            code="origin_not_allowed",
        )


async def mint_preview(
    session: AsyncSession,
    caller: Caller,
    body: EmbedUrlRequest,
    meta: embed.RequestMeta,
    public_url: str,
) -> Preview:
    """Mint an embed URL for ``body``'s user, framed by the instance's own origin."""
    await _check_host_origin(session, body)
    origin = own_origin(public_url)
    request = body.model_copy(update={"parentOrigin": origin})
    minted = await embed.mint_embed_url(
        session, None, request, meta, preview=(caller.actor_type, caller.actor_id, origin)
    )
    app = await session.get(App, minted.grant.app_id)
    release = await session.get(Release, minted.grant.release_id)
    assert app is not None and release is not None
    await record(
        session,
        "admin.preview",
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        external_identifier=str(body.externalIdentifier),
        app_id=app.id,
        request_id=meta.request_id,
        ip=meta.ip,
        user_agent=meta.user_agent,
        data={
            "grantId": minted.grant.id,
            "groups": [str(g) for g in body.groupIds],
            "metadata": body.metadata,
            "release": release.version,
            "environment": body.environment,
        },
    )
    return Preview(minted.embed_url, origin, app.slug, release.version)


# --- The embed playground's code --------------------------------------------------------

_PYTHON_ARGUMENTS = {
    "userInfo": "user_info",
    "metadata": "metadata",
    "sessionDurationMinutes": "session_duration_minutes",
    "releaseVersion": "release_version",
    "environment": "environment",
    "pageName": "page_name",
    "parentOrigin": "parent_origin",
    "sessionMode": "session_mode",
}


def request_json(body: EmbedUrlRequest) -> dict[str, Any]:
    """The request body as a host backend would send it: only the fields that were set."""
    return body.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def _curl(url: str, payload: dict[str, Any]) -> str:
    data = json.dumps(payload, indent=2, ensure_ascii=False)
    return (
        f"curl -sS --fail-with-body -X POST {shlex.quote(url)} \\\n"
        f'  -H "Authorization: Bearer ${TOKEN_VARIABLE}" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        f"  --data-binary {shlex.quote(data)}\n"
    )


def _python(base_url: str, payload: dict[str, Any]) -> str:
    rest = {k: v for k, v in payload.items() if k in _PYTHON_ARGUMENTS}
    lines = [
        "import os",
        "",
        "from inset.client import InsetClient",
        "",
        f'client = InsetClient({base_url!r}, os.environ["{TOKEN_VARIABLE}"])',
        "embed_url = client.embed_url(",
        f"    {payload.get('landingPageUuid')!r},",
        f"    group_ids={payload.get('groupIds')!r},",
        f"    external_identifier={payload.get('externalIdentifier')!r},",
    ]
    for key, value in rest.items():
        text = pprint.pformat(value, indent=4, width=80, sort_dicts=False)
        lines.append(f"    {_PYTHON_ARGUMENTS[key]}={text.replace(chr(10), chr(10) + '    ')},")
    lines += [")", "print(embed_url)", ""]
    return "\n".join(lines)


def _node(url: str, payload: dict[str, Any]) -> str:
    data = json.dumps(payload, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    return (
        f"const response = await fetch({json.dumps(url)}, {{\n"
        '  method: "POST",\n'
        "  headers: {\n"
        f"    Authorization: `Bearer ${{process.env.{TOKEN_VARIABLE}}}`,\n"
        '    "Content-Type": "application/json",\n'
        "  },\n"
        f"  body: JSON.stringify({data}),\n"
        "});\n"
        "if (!response.ok) throw new Error(`Inset: ${response.status} "
        "${await response.text()}`);\n"
        "const { embedUrl } = await response.json();\n"
        "console.log(embedUrl);\n"
    )


def snippets(public_url: str, body: EmbedUrlRequest) -> dict[str, str]:
    """The same embed request as curl, Python (``inset.client``) and Node (fetch) code; the
    token is read from ``$INSET_TOKEN``, never written into the code."""
    base = public_url.rstrip("/")
    payload = request_json(body)
    return {
        "curl": _curl(base + EMBED_PATH, payload),
        "python": _python(base, payload),
        "node": _node(base + EMBED_PATH, payload),
    }
