"""X-Forwarded-For is believed only from INSET_TRUSTED_PROXIES, and read from the right:
a client cannot choose the IP that the audit log and the per-IP denial limit see."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from inset.deps import client_ip
from inset.settings import Settings


def request_from(peer: str, forwarded: str | None, trusted: str) -> Request:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    app = SimpleNamespace(state=SimpleNamespace(settings=Settings(trusted_proxies=trusted)))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": headers,
        "client": (peer, 40000),
        "app": app,
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No trusted proxy: the header is ignored, whatever it says.
        ("198.51.100.7", "203.0.113.9", "", "198.51.100.7"),
        # A peer that is not a trusted proxy: ignored too.
        ("198.51.100.7", "203.0.113.9", "10.0.0.0/8", "198.51.100.7"),
        # Behind one trusted proxy (nginx appends the client's address).
        ("10.0.0.2", "203.0.113.9", "10.0.0.0/8", "203.0.113.9"),
        # The client sent its own X-Forwarded-For: nginx keeps it and appends the real one.
        ("10.0.0.2", "6.6.6.6, 203.0.113.9", "10.0.0.0/8", "203.0.113.9"),
        # Two trusted proxies in a row: the first untrusted hop from the right.
        ("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.5", "10.0.0.0/8", "203.0.113.9"),
        # A garbage hop is not a trusted proxy: it is where the chain stops being believed.
        ("10.0.0.2", "6.6.6.6, not-an-ip", "10.0.0.0/8", "not-an-ip"),
        # Only trusted hops: the leftmost one.
        ("10.0.0.2", "10.0.0.9, 10.0.0.5", "10.0.0.0/8", "10.0.0.9"),
        # An empty header from a trusted proxy: the peer.
        ("10.0.0.2", " , ", "10.0.0.0/8", "10.0.0.2"),
    ],
)
def test_client_ip(peer: str, forwarded: str, trusted: str, expected: str) -> None:
    assert client_ip(request_from(peer, forwarded, trusted)) == expected


def test_a_spoofed_hop_never_wins_behind_a_trusted_proxy() -> None:
    for spoof in ("127.0.0.1", "10.0.0.1", "203.0.113.1, 127.0.0.1"):
        forwarded = f"{spoof}, 198.51.100.23"
        assert client_ip(request_from("10.0.0.2", forwarded, "10.0.0.0/8")) == "198.51.100.23"
