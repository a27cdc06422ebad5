"""From a validated app to its release bundle (see docs/architecture.md), canonical JSON and
content hash."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from inset.apps.validation import ValidatedApp

BUNDLE_FORMAT = 1


def build_bundle(app: ValidatedApp, version: str) -> dict[str, Any]:
    """The bundle of ``app`` as release ``version``: pages in ``pages:`` order, queries with
    their SQL (kept for display) and ``compiled`` parts and bindings."""
    return {
        "format": BUNDLE_FORMAT,
        "uuid": app.uuid,
        "slug": app.slug,
        "name": app.name,
        "version": version,
        "access": copy.deepcopy(app.access),
        "embed": copy.deepcopy(app.embed),
        "theme": copy.deepcopy(app.theme),
        "pages": copy.deepcopy(app.pages),
        "queries": copy.deepcopy(app.queries),
    }


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(bundle: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of ``bundle`` without its ``version``, so deploying
    identical content again is recognised whatever version it would get."""
    content = {key: value for key, value in bundle.items() if key != "version"}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
