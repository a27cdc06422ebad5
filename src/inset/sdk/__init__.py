"""The host-page SDK served by the server: ``GET /sdk/inset-embed.js``.

One source: ``sdk/js/inset-embed.js`` (the npm package). A wheel carries it as
``inset/sdk/inset-embed.js`` (hatch force-include in pyproject.toml); a source checkout
serves the repository's file directly.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response


def _locate() -> Path:
    packaged = Path(__file__).parent / "inset-embed.js"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "sdk" / "js" / "inset-embed.js"


SDK_FILE = _locate()

router = APIRouter()


@cache
def _sdk() -> tuple[bytes, str]:
    body = SDK_FILE.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get("/sdk/inset-embed.js", include_in_schema=False)
async def sdk_script(request: Request) -> Response:
    """The vanilla SDK (``window.Inset``) for host pages without a bundler."""
    body, etag = _sdk()
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300, must-revalidate",
        # Host pages on other sites load it with <script src>.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)
