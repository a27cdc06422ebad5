"""Two ``inset serve`` processes on one PostgreSQL metadata database behave as one Inset:
single-use embed URLs stay single-use, a revocation made through one is enforced by the
other, and the audit events of both form one hash chain."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.reliability.deployment import (
    APP_UUID,
    ORIGIN,
    Deployment,
    Server,
    deployment,
    on_port,
    session_secret,
)


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Server, Server]]:
    with deployment(tmp_path_factory.mktemp("inset-multi")) as d:
        yield d, d.start(), d.start()


def test_one_url_redeemed_100_times_at_once_across_two_processes_gives_one_session(
    two: tuple[Deployment, Server, Server],
) -> None:
    _, first, second = two
    url = first.mint("race-user")
    targets = [on_port(url, (first, second)[i % 2].base_url) for i in range(100)]

    async def redeem_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            return await asyncio.gather(*(client.get(target) for target in targets))

    responses = asyncio.run(redeem_all())
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 410: 99}, statuses
    winner = next(r for r in responses if r.status_code == 200)
    secret = session_secret(winner.text)
    # Both processes took part, and the one session works on either.
    served_by = Counter(str(r.request.url).split("/embed/")[0] for r in responses)
    assert set(served_by) == {first.base_url, second.base_url}
    for server in (first, second):
        answer = server.run_query(secret, "one")
        assert answer.status_code == 200, answer.text
        assert answer.json()["rows"] == [{"one": 1, "who": "race-user"}]


def test_revocation_through_one_process_is_enforced_by_the_other(
    two: tuple[Deployment, Server, Server],
) -> None:
    _, first, second = two
    secret = first.session("revoked-user")
    other = first.session("other-user")
    assert second.run_query(secret, "one").status_code == 200
    assert first.revoke("revoked-user") == 1
    refused = second.run_query(secret, "one")
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] in ("session_revoked", "unauthorized")
    assert first.run_query(secret, "one").status_code == 401
    # Someone else's session is untouched.
    assert second.run_query(other, "one").status_code == 200


def test_audit_events_of_both_processes_form_one_chain(
    two: tuple[Deployment, Server, Server],
) -> None:
    d, first, second = two
    sessions = {s.base_url: s.session(f"chain-user-{i}") for i, s in enumerate((first, second))}
    request_ids: set[str] = set()

    async def traffic(server: Server) -> None:
        async with httpx.AsyncClient(timeout=60) as client:
            for i in range(40):
                request_id = uuid.uuid4().hex
                headers = {"X-Request-Id": request_id}
                if i % 2:
                    response = await client.post(
                        f"{server.base_url}/api/runtime/queries/one/run",
                        json={"params": {}},
                        headers={"Authorization": f"Bearer {sessions[server.base_url]}", **headers},
                    )
                else:
                    response = await client.post(
                        f"{server.base_url}/api/embed-url/external-user",
                        json={
                            "landingPageUuid": APP_UUID,
                            "groupIds": ["suppliers"],
                            "externalIdentifier": f"chain-{i}",
                            "parentOrigin": ORIGIN,
                        },
                        headers={"Authorization": f"Bearer {d.embed_token}", **headers},
                    )
                assert response.status_code == 200, response.text
                request_ids.add(request_id)

    async def both() -> None:
        await asyncio.gather(traffic(first), traffic(second))

    asyncio.run(both())
    # A graceful stop runs each process's last chain pass.
    assert first.stop() == 0, first.log()
    assert second.stop() == 0, second.log()
    verified = json.loads(d.cli("audit", "verify", "--json"))
    assert verified["ok"] is True, verified
    assert verified["unchained"] == 0, verified
    events = d.audit_request_ids()
    missing = request_ids - events.keys()
    assert not missing, f"{len(missing)} requests have no audit event"
    seqs = d.audit_seqs()
    assert seqs == list(range(1, len(seqs) + 1))  # every event chained, no gaps
    assert verified["checked"] == len(seqs)
