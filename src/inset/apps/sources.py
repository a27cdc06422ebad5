"""Where a deploy's files come from: a local folder, a Git repository (cloned with the git
CLI, shallow, hooks off, only safe transports) or an uploaded .tar.gz / .zip archive
(unpacked with path, type, count and size limits).

Each source is unpacked into a fresh temporary folder that the caller removes
(:class:`Checkout` is a context manager)."""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

from inset.apps.loader import path_problem
from inset.errors import BadRequest, ValidationFailed

GIT_TIMEOUT_SECONDS = 120
MAX_ARCHIVE_MEMBERS = 2_000
MAX_ARCHIVE_FILE_BYTES = 5_000_000
MAX_ARCHIVE_UNPACKED_BYTES = 50_000_000
MAX_REF_LENGTH = 200
MAX_URL_LENGTH = 2_000

# scp-like ssh syntax: [user@]host:path (no "::", which would be a transport helper).
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^:][^\x00-\x1f]*$")
_REF = re.compile(r"^[A-Za-z0-9._/@+-]{1,200}$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass
class Checkout:
    """Files ready to deploy, plus what Git says about them. Removes its temp folder on exit."""

    path: Path
    display: str
    git_commit: str | None = None
    git_message: str | None = None
    temp_dir: Path | None = None

    def __enter__(self) -> Checkout:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None


def _folder_name(source: str) -> str:
    """A folder name from a repository URL or file name (``…/portal.git`` → ``portal``): the
    slug of an app that sits at the root of its repository or archive."""
    base = re.split(r"[/:\\]", source.rstrip("/"))[-1]
    for suffix in (".git", ".tar.gz", ".tgz", ".zip"):
        base = base.removesuffix(suffix)
    slug = re.sub(r"[^a-z0-9_-]+", "-", base.lower()).strip("-_")[:100]
    return slug or "app"


def _refused(message: str, *, field: str, code: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", field=field, code=code)


# -- Git --------------------------------------------------------------------------------


def is_git_url(source: str) -> bool:
    """Whether ``source`` is meant as a Git URL rather than a local folder."""
    return "://" in source or "::" in source or bool(_SCP_LIKE.match(source))


def check_git_url(url: str, *, field: str = "gitUrl") -> str:
    """``url`` when git may fetch it: https://, ssh://, git@host:path, file:// or an existing
    local folder. Transport helpers (``ext::``, ``fd::``), plain http, git:// and anything
    that could be read as an option are refused."""
    if not isinstance(url, str) or not url.strip():
        raise _refused("give a Git URL", field=field, code="bad_git_url")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        raise _refused("not a valid Git URL", field=field, code="bad_git_url")
    if url.startswith("-"):
        raise _refused("a Git URL may not start with '-'", field=field, code="bad_git_url")
    if "::" in url.split("/", 1)[0] or url.split(":", 1)[0].lower() in ("ext", "fd"):
        raise _refused(
            "transport helpers such as ext:: are not allowed (use https://, ssh://, "
            "git@host:path or file://)",
            field=field,
            code="git_transport_refused",
        )
    scheme = url.split("://", 1)[0].lower() if "://" in url else None
    if scheme is not None:
        if scheme not in ("https", "ssh", "file"):
            raise _refused(
                f"the {scheme}:// transport is not allowed (use https://, ssh://, "
                "git@host:path or file://)",
                field=field,
                code="git_transport_refused",
            )
        return url
    if _SCP_LIKE.match(url):
        return url
    if Path(url).is_dir():
        return str(Path(url).resolve())
    raise _refused(
        "not an https://, ssh://, git@host:path or file:// URL, nor an existing folder",
        field=field,
        code="bad_git_url",
    )


def check_ref(ref: str | None, *, field: str = "ref") -> str | None:
    """A branch, tag or commit name (letters, digits, ``._/@+-``), or None for the default."""
    if ref is None or ref == "":
        return None
    if not isinstance(ref, str) or not _REF.match(ref) or ref.startswith("-") or ".." in ref:
        raise _refused("not a valid branch, tag or commit name", field=field, code="bad_git_ref")
    return ref


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_TERMINAL_PROMPT="0",  # never ask for a password: fail instead
        GIT_ASKPASS="/bin/false",
        SSH_ASKPASS="/bin/false",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_PROTOCOL_FROM_USER="0",
        GIT_LFS_SKIP_SMUDGE="1",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


# Hooks never run; only these transports; no submodules, no filters or fsmonitor commands.
_GIT_SAFETY = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "protocol.allow=never",
    "-c", "protocol.https.allow=always",
    "-c", "protocol.ssh.allow=always",
    "-c", "protocol.file.allow=always",
    "-c", "core.fsmonitor=false",
    "-c", "submodule.recurse=false",
    "-c", "advice.detachedHead=false",
)  # fmt: skip


def _git(cwd: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", *_GIT_SAFETY, *args],  # noqa: S607 - git from PATH
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=_git_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise BadRequest(
            f"git {args[0]} took longer than {int(timeout)} seconds", code="git_timeout"
        ) from exc
    except OSError as exc:
        raise BadRequest(f"cannot run git: {exc.strerror}", code="git_unavailable") from exc


def redact_url(url: str) -> str:
    """``url`` without a user:password (or token) part, for messages and the audit log."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    if "@" in host:
        host = "***@" + host.rsplit("@", 1)[1]
    return f"{scheme}://{host}{slash}{path}"


def _git_failure(done: subprocess.CompletedProcess[str], url: str = "") -> str:
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines
    text = fatal[-1] if fatal else f"git exited with {done.returncode}"
    if url:
        text = text.replace(url, redact_url(url))
    return text[:300]


def fetch_git(
    url: str,
    ref: str | None = None,
    *,
    timeout: float = GIT_TIMEOUT_SECONDS,
    display_url: str | None = None,
) -> Checkout:
    """Fetch ``ref`` (a branch, tag or commit; default: the remote HEAD) of ``url`` into a
    temporary folder, shallowly. The caller must ``cleanup()`` (or use ``with``)."""
    url = check_git_url(url)
    ref = check_ref(ref)
    temp = Path(tempfile.mkdtemp(prefix="inset-git-"))
    checkout = Checkout(path=temp / _folder_name(url), display="", temp_dir=temp)
    try:
        work = checkout.path
        init = _git(temp, "init", "-q", str(work), timeout=timeout)
        if init.returncode != 0:
            raise BadRequest(f"git init failed: {_git_failure(init)}", code="git_failed")
        fetched = _git(
            work, "fetch", "-q", "--depth", "1", "--no-tags", "--", url, ref or "HEAD",
            timeout=timeout,
        )  # fmt: skip
        if fetched.returncode != 0 and ref is not None and _SHA.match(ref):
            # Not every server lets a client fetch a bare commit: fetch everything instead.
            fetched = _git(work, "fetch", "-q", "--no-tags", "--", url, timeout=timeout)
            target = ref
        else:
            target = "FETCH_HEAD"
        if fetched.returncode != 0:
            raise ValidationFailed(
                f"cannot fetch {'ref ' + repr(ref) + ' of ' if ref else ''}the Git repository: "
                f"{_git_failure(fetched, url)}",
                field="ref" if ref and "couldn't find remote ref" in fetched.stderr else "gitUrl",
                code="git_fetch_failed",
            )
        checked = _git(work, "checkout", "-q", "--detach", target, timeout=timeout)
        if checked.returncode != 0:
            raise ValidationFailed(
                f"cannot check out {ref or 'HEAD'}: {_git_failure(checked)}",
                field="ref",
                code="git_fetch_failed",
            )
        sha = _git(work, "rev-parse", "HEAD", timeout=timeout).stdout.strip()
        message = _git(work, "log", "-1", "--format=%B", timeout=timeout).stdout.strip()
        checkout.git_commit = sha or None
        checkout.git_message = message or None
        shown = display_url or redact_url(url)
        checkout.display = f"{shown}@{(sha or ref or 'HEAD')[:12]}"
        return checkout
    except BaseException:
        checkout.cleanup()
        raise


def apps_root(checkout: Checkout, subpath: str | None = None) -> tuple[Path, str]:
    """The folder of apps inside a checkout, and how to name it in messages: ``subpath`` if
    given, else the checkout itself when it holds apps, else its ``apps/`` folder."""
    base = checkout.path
    if subpath:
        problem = path_problem(subpath.strip("/"))
        if problem is not None:
            raise _refused(problem, field="path", code="bad_path")
        target = base.joinpath(*PurePosixPath(subpath.strip("/")).parts)
        if not os.path.realpath(target).startswith(os.path.realpath(base) + os.sep) or not (
            target.is_dir()
        ):
            raise _refused(f"no folder '{subpath}' in the source", field="path", code="bad_path")
        return target, f"{checkout.display}:{subpath.strip('/')}"
    has_app = (base / "app.yaml").is_file() or any(
        (child / "app.yaml").is_file() for child in base.iterdir() if child.is_dir()
    )
    if not has_app and (base / "apps").is_dir() and not (base / "apps").is_symlink():
        return base / "apps", f"{checkout.display}:apps"
    return base, checkout.display


# -- archives ---------------------------------------------------------------------------


class _Budget:
    def __init__(self) -> None:
        self.members = 0
        self.bytes = 0

    def member(self, name: str) -> None:
        self.members += 1
        if self.members > MAX_ARCHIVE_MEMBERS:
            raise _archive_error(
                f"the archive has more than {MAX_ARCHIVE_MEMBERS} entries", "archive_too_many_files"
            )

    def add(self, name: str, size: int) -> None:
        if size > MAX_ARCHIVE_FILE_BYTES:
            raise _archive_error(
                f"'{_short(name)}' is larger than {MAX_ARCHIVE_FILE_BYTES} bytes",
                "archive_file_too_large",
            )
        self.bytes += size
        if self.bytes > MAX_ARCHIVE_UNPACKED_BYTES:
            raise _archive_error(
                f"the archive unpacks to more than {MAX_ARCHIVE_UNPACKED_BYTES} bytes",
                "archive_too_large",
            )


def _short(name: str) -> str:
    return name if len(name) <= 120 else name[:117] + "..."


def _archive_error(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(f"archive: {message}", field="archive", code=code)


def _member_path(name: str) -> str | None:
    """The safe relative path of an archive member, None for the root; refuses the rest."""
    clean = name
    while clean.startswith("./"):
        clean = clean[2:]
    clean = clean.rstrip("/")
    if clean in ("", "."):
        return None
    problem = path_problem(clean)
    if problem is None and any(part in ("", ".") for part in clean.split("/")):
        problem = "the path has empty or '.' parts"
    if problem is not None:
        raise _archive_error(f"unsafe path '{_short(name)}': {problem}", "archive_unsafe_path")
    return clean


def _write(root: Path, relative: str, data: bytes) -> None:
    target = root.joinpath(*relative.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError as exc:
        raise _archive_error(
            f"'{_short(relative)}' appears twice in the archive", "archive_unsafe_path"
        ) from exc
    except OSError as exc:  # e.g. a file where a folder should be
        raise _archive_error(
            f"cannot unpack '{_short(relative)}': {exc.strerror}", "archive_unsafe_path"
        ) from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _gunzip(data: bytes) -> bytes:
    """Decompress, refusing more than the unpacked limit (a gzip bomb stops there)."""
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(1 << 20):
                out.write(chunk)
                if out.tell() > MAX_ARCHIVE_UNPACKED_BYTES + 1_000_000:
                    raise _archive_error(
                        f"the archive unpacks to more than {MAX_ARCHIVE_UNPACKED_BYTES} bytes",
                        "archive_too_large",
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise _archive_error(f"not a valid .tar.gz ({exc})"[:200], "bad_archive") from exc
    return out.getvalue()


def _unpack_tar(data: bytes, root: Path) -> None:
    budget = _Budget()
    try:
        with tarfile.open(fileobj=io.BytesIO(_gunzip(data)), mode="r:") as archive:
            for member in archive:
                budget.member(member.name)
                relative = _member_path(member.name)
                if member.isdir():
                    if relative is not None:
                        root.joinpath(*relative.split("/")).mkdir(parents=True, exist_ok=True)
                    continue
                if member.issym() or member.islnk():
                    raise _archive_error(
                        f"'{_short(member.name)}' is a link; links are not allowed",
                        "archive_link_refused",
                    )
                if not member.isreg():
                    raise _archive_error(
                        f"'{_short(member.name)}' is not a regular file or folder",
                        "archive_special_file",
                    )
                if relative is None:
                    continue
                budget.add(member.name, member.size)
                extracted = archive.extractfile(member)
                if extracted is None:  # pragma: no cover - regular files always have data
                    continue
                _write(root, relative, extracted.read(MAX_ARCHIVE_FILE_BYTES + 1))
    except tarfile.TarError as exc:
        raise _archive_error(f"not a valid .tar.gz ({exc})"[:200], "bad_archive") from exc


def _unpack_zip(data: bytes, root: Path) -> None:
    budget = _Budget()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                budget.member(info.filename)
                relative = _member_path(info.filename)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise _archive_error(
                        f"'{_short(info.filename)}' is a link; links are not allowed",
                        "archive_link_refused",
                    )
                if info.is_dir():
                    if relative is not None:
                        root.joinpath(*relative.split("/")).mkdir(parents=True, exist_ok=True)
                    continue
                if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                    raise _archive_error(
                        f"'{_short(info.filename)}' is not a regular file or folder",
                        "archive_special_file",
                    )
                if info.flag_bits & 0x1:
                    raise _archive_error(f"'{_short(info.filename)}' is encrypted", "bad_archive")
                if relative is None:
                    continue
                with archive.open(info) as stream:
                    # Count what really comes out, not what the header claims (zip bombs).
                    content = stream.read(MAX_ARCHIVE_FILE_BYTES + 1)
                budget.add(info.filename, len(content))
                _write(root, relative, content)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise _archive_error(f"not a valid .zip ({exc})"[:200], "bad_archive") from exc


def archive_kind(data: bytes) -> str | None:
    """``tar.gz`` or ``zip`` from the first bytes, None when neither."""
    if data[:2] == b"\x1f\x8b":
        return "tar.gz"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    return None


def unpack_archive(data: bytes, *, name: str = "app") -> Checkout:
    """Unpack a .tar.gz or .zip into a temporary folder, refusing absolute paths, ``..``,
    links, devices, too many entries, too large files and decompression bombs. A single
    top-level folder (as in GitHub's archives) is stepped into."""
    kind = archive_kind(data)
    if kind is None:
        raise _archive_error("send a .tar.gz or .zip file", "bad_archive")
    temp = Path(tempfile.mkdtemp(prefix="inset-archive-"))
    checkout = Checkout(path=temp / _folder_name(name), display=name, temp_dir=temp)
    try:
        checkout.path.mkdir()
        if kind == "tar.gz":
            _unpack_tar(data, checkout.path)
        else:
            _unpack_zip(data, checkout.path)
        entries = [e for e in checkout.path.iterdir() if not e.name.startswith(".")]
        if len(entries) == 1 and entries[0].is_dir() and not (checkout.path / "app.yaml").exists():
            only = entries[0]
            if not (only / "app.yaml").is_file():
                checkout.path = only
        return checkout
    except BaseException:
        checkout.cleanup()
        raise
