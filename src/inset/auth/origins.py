"""Whom a request was addressed to (Host) and which page sent it (Origin): the checks that
keep a DNS-rebinding page or a cross-site form away from what trusts this machine.

A page on another site that re-points its DNS name to 127.0.0.1 (DNS rebinding) reaches a
loopback server from the victim's browser, but its requests carry its own name in Host; a
cross-site form or fetch carries its own page in Origin. Neither can forge these headers
in a browser. ``inset dev``'s ``_local_only`` (src/inset/dev/routes.py) is the same Host
check with a fixed list of origins: :func:`require_host` with ``loopback=False``.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address
from urllib.parse import urlsplit

from fastapi import Request

from inset.errors import Forbidden

DEFAULT_PORTS = {"http": 80, "https": 443}


def split_host(host: str) -> tuple[str, int | None] | None:
    """``host[:port]`` (as in a Host header or a URL's netloc; IPv6 in brackets) as the
    lower-case host name (IPv6 without brackets) and the port; None when malformed."""
    parts = urlsplit("//" + host.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    name = parts.hostname or ""
    if not name or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return name.lower().rstrip("."), port


def is_loopback_name(name: str) -> bool:
    """``localhost`` (or a name under it) or a loopback IP (127.0.0.0/8, ::1)."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


def url_origin(url: str) -> str:
    """The origin of ``url`` as a browser writes it in an Origin header:
    ``scheme://host[:port]``, lower case, without a default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def _shown(value: str) -> str:
    return repr(value[:100])


def require_host(request: Request, allowed: Iterable[str], *, loopback: bool, message: str) -> None:
    """Refuse (403 ``bad_host``) a request whose Host is not one of the ``allowed`` host
    names (URLs or bare names; any port) nor, with ``loopback``, a loopback name."""
    host = request.headers.get("host", "")
    parsed = split_host(host)
    if parsed is not None:
        name, _port = parsed
        names = {(split_host(urlsplit(a).netloc or a) or ("", None))[0] for a in allowed}
        if name in names - {""} or (loopback and is_loopback_name(name)):
            return
    raise Forbidden(f"{message} (this request was addressed to {_shown(host)})", code="bad_host")


def require_origin(
    request: Request, allowed: Iterable[str], *, loopback: bool, message: str
) -> None:
    """Refuse (403 ``bad_origin``) a request with an Origin header that is none of the
    ``allowed`` origins nor, with ``loopback``, the loopback address the request was sent
    to (its Host, so a page on another local port cannot use it). No Origin header: a
    request that is not from a browser's cross-origin page (curl, same-origin GET)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    sent = url_origin(origin)
    if origin != "null" and sent in {url_origin(a) for a in allowed}:
        return
    if loopback and origin != "null":
        parts = urlsplit(origin)
        target = split_host(request.headers.get("host", ""))
        try:
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            port = None
        name = (parts.hostname or "").lower()
        if (
            target is not None
            and is_loopback_name(name)
            and name == target[0]
            and port == (target[1] or DEFAULT_PORTS.get(parts.scheme.lower()))
        ):
            return
    raise Forbidden(
        f"{message} (this request came from a page at {_shown(origin)})",
        code="bad_origin",  # no field: the sign-in and setup forms show it as a banner
    )


def own_origin_only(request: Request, public_url: str, what: str) -> None:
    """The admin sign-in and first-run setup: addressed to this instance (the host of
    INSET_PUBLIC_URL or a loopback name, any port) and, when a browser says which page
    sent it, sent from this instance's own pages (INSET_PUBLIC_URL's origin or the
    loopback address the request was sent to)."""
    own = url_origin(public_url)
    require_host(
        request,
        [public_url],
        loopback=True,
        message=f"{what} answers only at {own} or on 127.0.0.1/localhost",
    )
    require_origin(
        request,
        [public_url],
        loopback=True,
        message=f"{what} accepts requests only from the admin UI at {own} or on "
        "127.0.0.1/localhost",
    )
