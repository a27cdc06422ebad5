"""A small client for host-product backends: mint embed URLs and end a user's sessions.

```python
from inset.client import InsetClient

inset = InsetClient("https://inset.example.com", token=os.environ["INSET_TOKEN"])
url = inset.embed_url(
    "supplier-portal", ["suppliers"], user.id,
    user_info={"email": user.email}, metadata={"supplierId": user.supplier_id},
    parent_origin="https://app.example.com",
)
inset.revoke_sessions(user.id)            # needs a token with scope admin
```

`AsyncInsetClient` has the same methods as coroutines. Refusals raise `InsetAPIError`
(or its subclasses for 401, 403, 404 and 400/422) carrying Inset's `code`, `message` and
the `field` it names; network failures raise httpx's own exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx

__all__ = [
    "AsyncInsetClient",
    "AuthenticationError",
    "InsetAPIError",
    "InsetClient",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]

DEFAULT_TIMEOUT = 10.0
SessionMode = Literal["cookieless", "cookie"]


class InsetAPIError(Exception):
    """Inset refused a request: ``status``, ``code``, ``message`` and maybe ``field``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (field: {field})" if field else ""))
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class AuthenticationError(InsetAPIError):
    """401: the token is missing, invalid, revoked or expired."""


class PermissionDeniedError(InsetAPIError):
    """403: the token lacks the scope, or none of the groups may use the app."""


class NotFoundError(InsetAPIError):
    """404."""


class ValidationError(InsetAPIError):
    """400 or 422: a bad field (``field`` names it), unknown group, app, release or origin."""


_ERRORS: dict[int, type[InsetAPIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
}


def _error_from(response: httpx.Response) -> InsetAPIError:
    code, message, field = "http_error", f"HTTP {response.status_code}", None
    try:
        payload = response.json()
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or code)
        message = str(error.get("message") or message)
        field = str(error["field"]) if error.get("field") else None
    cls = _ERRORS.get(response.status_code, InsetAPIError)
    return cls(response.status_code, code, message, field)


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.is_error:
        raise _error_from(response)
    if response.status_code == 204 or not response.content:
        return {}
    payload = response.json()
    if not isinstance(payload, dict):
        raise InsetAPIError(response.status_code, "bad_response", "Expected a JSON object.")
    return payload


def _embed_body(
    landing_page: str,
    group_ids: Sequence[int | str],
    external_identifier: str | int,
    *,
    user_info: Mapping[str, str] | None,
    metadata: Mapping[str, Any] | None,
    session_duration_minutes: int | None,
    release_version: str | None,
    environment: str | None,
    page_name: str | None,
    parent_origin: str | None,
    session_mode: SessionMode | None,
) -> dict[str, Any]:
    if isinstance(group_ids, str):
        raise TypeError("group_ids must be a list of group ids or names, not a string")
    body: dict[str, Any] = {
        "landingPageUuid": landing_page,
        "groupIds": list(group_ids),
        "externalIdentifier": external_identifier,
    }
    optional = {
        "userInfo": dict(user_info) if user_info is not None else None,
        "metadata": dict(metadata) if metadata is not None else None,
        "sessionDurationMinutes": session_duration_minutes,
        "releaseVersion": release_version,
        "environment": environment,
        "pageName": page_name,
        "parentOrigin": parent_origin,
        "sessionMode": session_mode,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def _revoke_path(external_identifier: str | int) -> str:
    return f"/api/v1/external-users/{quote(str(external_identifier), safe='')}/revoke-sessions"


def _embed_url_of(payload: dict[str, Any]) -> str:
    url = payload.get("embedUrl")
    if not isinstance(url, str):
        raise InsetAPIError(200, "bad_response", "The answer has no embedUrl.")
    return url


def _revoked_of(payload: dict[str, Any]) -> int:
    revoked = payload.get("revoked")
    if not isinstance(revoked, int):
        raise InsetAPIError(200, "bad_response", "The answer has no revoked count.")
    return revoked


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


class InsetClient:
    """Synchronous client. Pass ``http_client`` to reuse your own ``httpx.Client``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    def embed_url(
        self,
        landing_page: str,
        group_ids: Sequence[int | str],
        external_identifier: str | int,
        *,
        user_info: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        session_duration_minutes: int | None = None,
        release_version: str | None = None,
        environment: str | None = None,
        page_name: str | None = None,
        parent_origin: str | None = None,
        session_mode: SessionMode | None = None,
    ) -> str:
        """A fresh single-use embed URL (``POST /api/embed-url/external-user``)."""
        body = _embed_body(
            landing_page,
            group_ids,
            external_identifier,
            user_info=user_info,
            metadata=metadata,
            session_duration_minutes=session_duration_minutes,
            release_version=release_version,
            environment=environment,
            page_name=page_name,
            parent_origin=parent_origin,
            session_mode=session_mode,
        )
        response = self._http.post(
            f"{self.base_url}/api/embed-url/external-user", json=body, headers=_headers(self._token)
        )
        return _embed_url_of(_check(response))

    def revoke_sessions(self, external_identifier: str | int) -> int:
        """End every live session of one external user; returns how many (scope admin)."""
        response = self._http.post(
            self.base_url + _revoke_path(external_identifier), headers=_headers(self._token)
        )
        return _revoked_of(_check(response))

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncInsetClient:
    """Asynchronous client. Pass ``http_client`` to reuse your own ``httpx.AsyncClient``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._owns_client = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def embed_url(
        self,
        landing_page: str,
        group_ids: Sequence[int | str],
        external_identifier: str | int,
        *,
        user_info: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        session_duration_minutes: int | None = None,
        release_version: str | None = None,
        environment: str | None = None,
        page_name: str | None = None,
        parent_origin: str | None = None,
        session_mode: SessionMode | None = None,
    ) -> str:
        """A fresh single-use embed URL (``POST /api/embed-url/external-user``)."""
        body = _embed_body(
            landing_page,
            group_ids,
            external_identifier,
            user_info=user_info,
            metadata=metadata,
            session_duration_minutes=session_duration_minutes,
            release_version=release_version,
            environment=environment,
            page_name=page_name,
            parent_origin=parent_origin,
            session_mode=session_mode,
        )
        response = await self._http.post(
            f"{self.base_url}/api/embed-url/external-user", json=body, headers=_headers(self._token)
        )
        return _embed_url_of(_check(response))

    async def revoke_sessions(self, external_identifier: str | int) -> int:
        """End every live session of one external user; returns how many (scope admin)."""
        response = await self._http.post(
            self.base_url + _revoke_path(external_identifier), headers=_headers(self._token)
        )
        return _revoked_of(_check(response))

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
