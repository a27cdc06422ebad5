"""REST resources (httpx): one request per query, with no SSRF through params.

Rules (docs/queries.md, "REST queries"):

* the scheme, host and port are the resource's; the request path is the resource URL's
  path followed by the query's path; each path param is one URL-encoded segment and may
  not contain ``/``, ``\\``, ``.``/``..`` as a whole, control characters or an encoded
  slash/backslash (``%2f``, ``%5c``);
* the host is resolved once and every address must be public (no private, loopback,
  link-local, multicast, reserved or unspecified ranges, IPv4-mapped IPv6 included) unless
  the resource has the option ``allowPrivateNetwork: true``; the request then goes to that
  very address (the Host header and TLS SNI keep the name), so DNS cannot be re-bound
  between the check and the connection;
* redirects are never followed: a 3xx answer is a ``resource_error``;
* the response is streamed and dropped once it exceeds ``max_bytes``; the whole request
  must finish within ``timeout``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from inset.queries.results import QueryResult, encode_value, unique_column_names
from inset.resources.connectors.base import ConnectorError
from inset.resources.schemas import ResourceConfig

DEFAULT_CONNECT_TIMEOUT = 10.0
_FORBIDDEN_IN_SEGMENT = ("/", "\\")
_ENCODED_TRICKS = ("%2f", "%5c", "%2e")


class PathParamError(ValueError):
    """A path param value that cannot be one path segment; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def encode_segment(param: str, value: Any) -> str:
    """``value`` as one URL-encoded path segment, or PathParamError."""
    if isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
        raise PathParamError(param, "a path param must be text or a number")
    text = str(value)
    lowered = text.lower()
    if (
        text in ("", ".", "..")
        or any(ch in text for ch in _FORBIDDEN_IN_SEGMENT)
        or any(trick in lowered for trick in _ENCODED_TRICKS)
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in text)
    ):
        raise PathParamError(
            param,
            "a path param cannot be empty, '.', '..', or contain '/', '\\', control "
            "characters or encoded slashes or dots",
        )
    return quote(text, safe="")


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


async def resolve_host(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to; ConnectorError when it is not allowed."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ConnectorError(
            "connect", driver="socket.gaierror", reason="the host name does not resolve"
        ) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise ConnectorError("connect", driver="socket", reason="the host has no address")
    if not allow_private and not all(_address_allowed(a) for a in addresses):
        raise ConnectorError(
            "connect",
            code="private_address",
            driver="inset.ssrf",
            reason="the host resolves to a private, loopback or link-local address "
            "(set the option allowPrivateNetwork to allow it)",
        )
    return addresses[0]


def _rows_from(value: Any, max_rows: int) -> QueryResult | dict[str, Any]:
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        names: list[str] = []
        seen: set[str] = set()
        for item in value[:max_rows]:
            for key in item:
                if key not in seen:
                    seen.add(key)
                    names.append(str(key))
        columns = unique_column_names(names)
        rows = [
            {
                column: encode_value(item.get(name))
                for column, name in zip(columns, names, strict=True)
            }
            for item in value[:max_rows]
        ]
        return QueryResult(columns=columns, rows=rows, truncated=len(value) > max_rows)
    return {"data": encode_value(value)}


class RestConnector:
    """An HTTP JSON API at the resource's base URL."""

    def __init__(self, config: ResourceConfig) -> None:
        self.base = urlsplit(config.url)
        self.headers = dict(config.headers)
        self.allow_private = config.option("allowPrivateNetwork", False) is True
        self.connect_timeout = float(config.option("connectTimeout", DEFAULT_CONNECT_TIMEOUT))
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        return self._client

    def build_url(self, path_parts: list[str], segments: list[str]) -> str:
        """The request URL's path (base path + query path); ValueError if it escapes."""
        path = path_parts[0]
        for segment, following in zip(segments, path_parts[1:], strict=True):
            path += segment + following
        base_path = self.base.path.rstrip("/")
        full = base_path + path
        if any(s in (".", "..") for s in full.split("/")):
            raise ValueError("path escapes the resource's base path")
        return full

    async def request(
        self,
        method: str,
        path: str,
        query: dict[str, Any],
        body: Any,
        *,
        timeout: float,  # noqa: ASYNC109 (the connector contract)
        max_rows: int,
        max_bytes: int,
    ) -> QueryResult | dict[str, Any]:
        host = self.base.hostname or ""
        scheme = self.base.scheme
        port = self.base.port or (443 if scheme == "https" else 80)
        try:
            async with asyncio.timeout(timeout):
                address = await resolve_host(host, port, self.allow_private)
                target = f"[{address}]" if ":" in address else address
                url = httpx.URL(scheme=scheme, host=address, port=port, path=path)
                url = url.copy_with(params=_query_params(query))
                if url.host not in (address, target) or url.scheme != scheme:
                    raise ConnectorError("failed", driver="inset.ssrf", code="host_changed")
                headers = {**self.headers, "Host": self.base.netloc.rpartition("@")[2]}
                headers.setdefault("Accept", "application/json")
                request = self._http().build_request(
                    method,
                    url,
                    headers=headers,
                    json=body,
                    timeout=httpx.Timeout(timeout, connect=min(timeout, self.connect_timeout)),
                    extensions={"sni_hostname": host} if scheme == "https" else None,
                )
                auth = None
                if self.base.username is not None:  # https://user:password@host/…
                    auth = httpx.BasicAuth(
                        unquote(self.base.username), unquote(self.base.password or "")
                    )
                response = await self._http().send(request, stream=True, auth=auth)
                try:
                    if 300 <= response.status_code < 400:
                        raise ConnectorError(
                            "failed", code=f"HTTP {response.status_code} redirect", driver="httpx"
                        )
                    if response.status_code >= 400:
                        raise ConnectorError(
                            "failed", code=f"HTTP {response.status_code}", driver="httpx"
                        )
                    content = bytearray()
                    async for chunk in response.aiter_raw():
                        content.extend(chunk)
                        if len(content) > max_bytes:
                            raise ConnectorError(
                                "failed", code="response_too_large", driver="inset.limit"
                            )
                finally:
                    await response.aclose()
        except TimeoutError:
            raise ConnectorError("timeout", driver="asyncio.TimeoutError") from None
        except httpx.TimeoutException as exc:
            raise ConnectorError("timeout", driver=type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise ConnectorError(
                "connect", driver=f"httpx.{type(exc).__name__}", reason="the API is unreachable"
            ) from None
        kind = response.headers.get("content-type", "")
        if not content:
            return {"data": None}
        if "json" in kind:
            try:
                value = json.loads(bytes(content))
            except (ValueError, RecursionError):
                raise ConnectorError("failed", code="invalid_json", driver="json") from None
            return _rows_from(value, max_rows)
        return {"data": bytes(content).decode("utf-8", errors="replace")}

    async def execute(self, *args: Any, **kwargs: Any) -> QueryResult:
        raise ConnectorError("failed", driver="inset.rest", code="not_sql")

    async def ping(self) -> None:
        path = self.base.path or "/"
        await self.request("GET", path, {}, None, timeout=10.0, max_rows=1, max_bytes=1 << 20)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _query_params(query: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            elif isinstance(item, (dict, list)):
                pairs.append((key, json.dumps(item, separators=(",", ":"))))
            else:
                pairs.append((key, str(item)))
    return pairs
