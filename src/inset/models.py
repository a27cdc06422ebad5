"""Every ORM model, imported in one place so Alembic and tests see the whole schema."""

from inset.access.models import ExternalUser, Group
from inset.apps.models import App, Release
from inset.audit.models import AuditEvent
from inset.auth.models import AccessToken, AdminSession, AdminSetupToken, AdminUser
from inset.db import Base
from inset.embed.models import EmbedGrant, EmbedSession
from inset.resources.models import Resource

__all__ = [
    "AccessToken",
    "AdminSession",
    "AdminSetupToken",
    "AdminUser",
    "App",
    "AuditEvent",
    "Base",
    "EmbedGrant",
    "EmbedSession",
    "ExternalUser",
    "Group",
    "Release",
    "Resource",
]
