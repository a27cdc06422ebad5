"""Response bodies for apps, releases, validation issues and deploy reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from inset.apps.loader import Issue
from inset.apps.models import App, Release
from inset.apps.service import AppDeployResult, AppSummary, DeployReport


class IssueOut(BaseModel):
    file: str
    line: int
    message: str
    hint: str | None
    severity: str

    @classmethod
    def of(cls, issue: Issue) -> IssueOut:
        return cls(**issue.to_dict())


class AppOut(BaseModel):
    uuid: str
    slug: str
    name: str
    latest_release_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, app: App) -> AppOut:
        return cls(
            uuid=app.uuid,
            slug=app.slug,
            name=app.name,
            latest_release_id=app.latest_release_id,
            created_at=app.created_at,
            updated_at=app.updated_at,
        )


class ReleaseOut(BaseModel):
    id: int
    version: str
    content_hash: str
    git_commit: str | None
    git_message: str | None
    created_at: datetime
    is_latest: bool

    @classmethod
    def of(cls, release: Release, latest_release_id: int | None) -> ReleaseOut:
        return cls(
            id=release.id,
            version=release.version,
            content_hash=release.content_hash,
            git_commit=release.git_commit,
            git_message=release.git_message,
            created_at=release.created_at,
            is_latest=release.id == latest_release_id,
        )


class AppDeployOut(BaseModel):
    slug: str
    uuid: str
    name: str
    status: str
    version: str
    release_id: int
    content_hash: str
    app_created: bool
    latest_version: str | None

    @classmethod
    def of(cls, result: AppDeployResult) -> AppDeployOut:
        return cls(
            slug=result.slug,
            uuid=result.uuid,
            name=result.name,
            status=result.status,
            version=result.version,
            release_id=result.release_id,
            content_hash=result.content_hash,
            app_created=result.app_created,
            latest_version=result.latest_version,
        )


class DeployReportOut(BaseModel):
    apps: list[AppDeployOut]
    warnings: list[IssueOut]

    @classmethod
    def of(cls, report: DeployReport) -> DeployReportOut:
        return cls(
            apps=[AppDeployOut.of(a) for a in report.apps],
            warnings=[IssueOut.of(w) for w in report.warnings],
        )


class DeploymentIn(BaseModel):
    """POST /api/v1/deployments as JSON: deploy ``ref`` of a Git repository."""

    model_config = ConfigDict(extra="forbid")

    gitUrl: str = Field(min_length=1, max_length=2000)
    ref: str | None = Field(default=None, max_length=200)
    path: str | None = Field(default=None, max_length=500)
    promote: bool = True


class DeploymentOut(BaseModel):
    source: str
    git_commit: str | None
    git_message: str | None
    apps: list[AppDeployOut]
    warnings: list[IssueOut]

    @classmethod
    def of(
        cls,
        report: DeployReport,
        source: str,
        git_commit: str | None = None,
        git_message: str | None = None,
    ) -> DeploymentOut:
        return cls(
            source=source,
            git_commit=git_commit,
            git_message=git_message,
            apps=[AppDeployOut.of(a) for a in report.apps],
            warnings=[IssueOut.of(w) for w in report.warnings],
        )


class PromoteOut(BaseModel):
    app: str
    version: str
    previous_version: str | None
    changed: bool


class LiveReleaseOut(BaseModel):
    version: str
    created_at: datetime
    git_commit: str | None


class AppSummaryOut(BaseModel):
    """One row of GET /api/v1/apps (the admin apps page)."""

    uuid: str
    slug: str
    name: str
    live: LiveReleaseOut | None
    release_count: int
    parent_origins: list[str]
    environments: list[str]

    @classmethod
    def of(cls, summary: AppSummary) -> AppSummaryOut:
        live = summary.live
        return cls(
            uuid=summary.app.uuid,
            slug=summary.app.slug,
            name=summary.app.name,
            live=(
                LiveReleaseOut(
                    version=live.version, created_at=live.created_at, git_commit=live.git_commit
                )
                if live is not None
                else None
            ),
            release_count=summary.release_count,
            parent_origins=summary.parent_origins,
            environments=summary.environments,
        )


class ReleaseDiffOut(BaseModel):
    """A unified diff between two releases (the same text as ``inset releases diff``)."""

    app: str
    from_version: str
    to_version: str
    diff: str
