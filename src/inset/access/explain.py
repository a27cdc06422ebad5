"""Access explain: which apps, pages and queries a user (or a set of groups) reaches, which
they don't, and the rule that decides each. Uses the same rules as embed and run_query
(``app_access_level``, ``may_run_query``, write default-deny, parent queries)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inset.access.models import ExternalUser, Group
from inset.access.service import LEVELS, app_access_level, may_run_query, resolve_groups
from inset.apps.models import App, Release
from inset.audit.service import resolve_app_id
from inset.errors import NotFound, ValidationFailed


async def explain(
    session: AsyncSession,
    *,
    external_identifier: str | None = None,
    group_refs: Sequence[int | str] | None = None,
    app: str | None = None,
) -> dict[str, Any]:
    """Explain access for exactly one of ``external_identifier`` (the groups of their last
    embed) or ``group_refs`` (group ids or names), on every app or on ``app``."""
    if (external_identifier is None) == (group_refs is None):
        raise ValidationFailed(
            "Give exactly one of externalIdentifier or groupIds.", field="externalIdentifier"
        )
    subject: dict[str, Any] = {}
    if external_identifier is not None:
        user = await session.scalar(
            select(ExternalUser).where(ExternalUser.external_identifier == external_identifier)
        )
        if user is None:
            raise NotFound(
                f"No external user '{external_identifier[:100]}'.", field="externalIdentifier"
            )
        subject = {"externalIdentifier": external_identifier, "groupsFrom": "lastEmbed"}
        wanted = set(user.last_group_ids or [])
        known = list(await session.scalars(select(Group).where(Group.id.in_(wanted))))
        if len(known) != len(wanted):
            subject["deletedGroupIds"] = sorted(wanted - {g.id for g in known})
    else:
        assert group_refs is not None
        if not group_refs:
            raise ValidationFailed("groupIds must name at least one group", field="groupIds")
        known = await resolve_groups(session, list(group_refs), field="groupIds")
        subject = {"groupsFrom": "request"}
    subject["groups"] = [{"id": g.id, "name": g.name} for g in sorted(known, key=lambda g: g.id)]
    names = [g.name for g in known]

    query = select(App, Release).join(Release, Release.id == App.latest_release_id)
    if app is not None:
        query = query.where(App.id == await resolve_app_id(session, app))
    apps = [explain_app(a, r, names) for a, r in (await session.execute(query.order_by(App.id)))]
    return {"subject": subject, "apps": apps}


def explain_app(app: App, release: Release, group_names: Sequence[str]) -> dict[str, Any]:
    """One app's latest release, judged for ``group_names``."""
    bundle = release.bundle
    level = app_access_level(bundle, group_names)
    rules = [r for r in bundle.get("access", []) if r.get("group") in group_names]
    granting = [r for r in rules if r.get("level") == level and level != "none"]
    if level == "none":
        reason = (
            "no access rule of the app names any of these groups"
            if not rules
            else "the matching access rules grant level none"
        )
    else:
        reason = "granted by access rule " + ", ".join(
            f"{r['group']}: {r['level']}" for r in granting
        )
    reach = LEVELS.index(level) >= LEVELS.index("use")
    pages = [
        {
            "name": p.get("name"),
            "reachable": reach,
            "reason": "app access level " + level if reach else "no access to the app",
        }
        for p in bundle.get("pages", [])
    ]
    queries = [
        {"name": name, **_explain_query(q, group_names, reach)}
        for name, q in sorted((bundle.get("queries") or {}).items())
    ]
    return {
        "app": {"id": app.id, "uuid": app.uuid, "slug": app.slug, "name": app.name},
        "release": release.version,
        "access": {
            "level": level,
            "reason": reason,
            "rules": [{"group": g["group"], "level": g["level"]} for g in granting],
        },
        "pages": pages,
        "queries": queries,
    }


def _explain_query(
    query: dict[str, Any], group_names: Sequence[str], app_reachable: bool
) -> dict[str, Any]:
    kind = query.get("kind", "read")
    allowed = query.get("allowedGroups")
    out: dict[str, Any] = {"kind": kind, "allowedGroups": allowed}
    if not app_reachable:
        return {**out, "runnable": False, "reason": "no access to the app"}
    if kind == "parent":
        return {
            **out,
            "runnable": False,
            "reason": "parent query: the host page provides its value; it never runs on the server",
        }
    if kind not in ("read", "write"):
        return {**out, "runnable": False, "reason": f"unknown kind '{kind}'"}
    if kind == "write" and not allowed:
        return {
            **out,
            "runnable": False,
            "reason": "write query without allowedGroups: default deny",
        }
    if not may_run_query(query, group_names):
        return {
            **out,
            "runnable": False,
            "reason": "none of these groups is in allowedGroups",
        }
    if allowed is None:
        return {**out, "runnable": True, "reason": "read query without allowedGroups"}
    members = sorted(set(allowed) & set(group_names))
    return {**out, "runnable": True, "reason": "allowedGroups includes " + ", ".join(members)}
