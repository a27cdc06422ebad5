"""Reading an app folder safely.

YAML is composed with PyYAML's SafeLoader (never constructed with arbitrary tags), so every
value keeps the line it came from and errors can say ``file:line``. Aliases are refused
(billion-laughs safety), nesting and node counts are bounded, files are size-limited, and
no path or symlink may lead outside the app folder.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_FILE_BYTES = 1_000_000
MAX_APP_FILES = 300
MAX_APP_BYTES = 10_000_000
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 100_000

Severity = Literal["error", "warning"]
PathKey = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


@dataclass(frozen=True)
class Issue:
    """One problem in an app's files: where it is, what is wrong and how to fix it."""

    file: str
    line: int
    message: str
    hint: str | None = None
    severity: Severity = "error"

    def format(self) -> str:
        """``file:line: message (hint: …)``, the line ``inset validate`` prints."""
        kind = "warning: " if self.severity == "warning" else ""
        text = f"{self.file}:{self.line}: {kind}{self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }


@dataclass(frozen=True)
class Position:
    """Where a YAML value sits: its first line, the line of its key, its scalar style."""

    line: int
    key_line: int
    style: str | None = None


@dataclass
class YamlDoc:
    """A YAML file as plain data (str, int, float, bool, None, list, dict) plus positions.

    ``positions`` maps a path such as ``("components", 0, "id")`` to the Position of that
    value; the root is ``()``."""

    file: str
    data: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)

    def _position(self, path: PathKey) -> Position:
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Position(1, 1))

    def line(self, path: PathKey) -> int:
        """The line of the value at ``path`` (or of its nearest ancestor)."""
        return self._position(path).line

    def key_line(self, path: PathKey) -> int:
        """The line of the key that holds ``path`` (the value's line for list items)."""
        return self._position(path).key_line

    def text_line(self, path: PathKey, text: str, offset: int) -> int:
        """The line of character ``offset`` inside the string at ``path``."""
        position = self._position(path)
        first = position.line + (1 if position.style in ("|", ">") else 0)
        return first + text.count("\n", 0, max(0, offset))


class _Refused(yaml.MarkedYAMLError):
    """A YAML construct that app files do not allow (aliases, deep nesting, huge files)."""


class _Bounded(Composer):
    """PyYAML's composer with aliases refused and nesting and node count bounded."""

    _depth = 0
    _nodes = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[attr-defined]
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                problem="YAML aliases (*name) are not allowed in app files",
                problem_mark=mark,
            )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(
                problem=f"too many YAML values (more than {MAX_YAML_NODES})",
                problem_mark=mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(
                    problem=f"YAML nested deeper than {MAX_YAML_DEPTH} levels",
                    problem_mark=mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _PyLoader(_Bounded, Reader, Scanner, Parser, SafeConstructor, Resolver):
    """Pure-Python scanner and parser (when PyYAML was built without libyaml)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


_LOADERS: list[type[Any]] = [_PyLoader]

if yaml.__with_libyaml__:  # pragma: no branch - libyaml is there on supported platforms
    from yaml._yaml import CParser

    class _CLoader(_Bounded, CParser, SafeConstructor, Resolver):
        """libyaml's scanner and parser (about 5x faster), our Python composer on top."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _LOADERS.insert(0, _CLoader)

_Loader: type[Any] = _LOADERS[0]


class _Converter:
    """Turns a composed node tree into plain data, recording positions and problems."""

    def __init__(self, file: str, loader: SafeConstructor) -> None:
        self.file = file
        self.loader = loader
        self.positions: dict[PathKey, Position] = {}
        self.issues: list[Issue] = []

    def issue(self, node: Node, message: str, hint: str | None = None) -> None:
        self.issues.append(Issue(self.file, node.start_mark.line + 1, message, hint))

    def convert(self, node: Node, path: PathKey, key_line: int) -> Any:
        line = node.start_mark.line + 1
        style = node.style if isinstance(node, ScalarNode) else None
        self.positions[path] = Position(line, key_line, style)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self.issue(node, f"unsupported YAML tag {node.tag}", "remove the tag")
                return None
            return [
                self.convert(item, (*path, i), item.start_mark.line + 1)
                for i, item in enumerate(node.value)
            ]
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                self.issue(node, f"unsupported YAML tag {node.tag}", "remove the tag")
                return None
            result: dict[str, Any] = {}
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.issue(key_node, "a key must be plain text, not a list or mapping")
                    continue
                key = str(key_node.value)
                key_at = key_node.start_mark.line + 1
                if key in first_line:
                    self.issue(
                        key_node,
                        f"duplicate key '{key}' (first at line {first_line[key]})",
                        "remove one of them",
                    )
                    continue
                first_line[key] = key_at
                result[key] = self.convert(value_node, (*path, key), key_at)
            return result
        self.issue(node, "unsupported YAML node")  # pragma: no cover - composer makes no other
        return None

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return str(node.value)
        if tag == _TIMESTAMP:
            return str(node.value)  # kept as written: JSON has no dates
        if tag == _NULL:
            return None
        try:
            if tag == _BOOL:
                return self.loader.construct_yaml_bool(node)
            if tag == _INT:
                return self.loader.construct_yaml_int(node)
            if tag == _FLOAT:
                number = self.loader.construct_yaml_float(node)
                if not math.isfinite(number):
                    self.issue(node, f"'{node.value}' is not a finite number", "quote it")
                    return None
                return number
        except ValueError:
            self.issue(node, f"'{str(node.value)[:40]}' is not a valid number", "quote it")
            return None
        self.issue(node, f"unsupported YAML tag {tag}", "app files use plain YAML values only")
        return None


def parse_yaml(text: str, file: str) -> tuple[YamlDoc | None, list[Issue]]:
    """Parse one YAML document; on a syntax error return None and the error's position."""
    loader: Any = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        prefix = "" if isinstance(exc, _Refused) else "invalid YAML: "
        hint = (
            "write the value out instead of using &anchor/*alias"
            if isinstance(exc, _Refused) and "alias" in problem
            else None
        )
        return None, [Issue(file, line, f"{prefix}{problem}", hint)]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
        return None, [Issue(file, line, message)]
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        return YamlDoc(file, None, {(): Position(1, 1)}), []
    converter = _Converter(file, loader)
    data = converter.convert(root, (), root.start_mark.line + 1)
    return YamlDoc(file, data, converter.positions), converter.issues


def path_problem(relative: str) -> str | None:
    """Why ``relative`` may not name a file in an app folder, or None when it may."""
    if not relative or "\x00" in relative:
        return "the path is empty"
    if "\\" in relative:
        return "use forward slashes in paths"
    pure = PurePosixPath(relative)
    if pure.is_absolute() or (len(relative) > 1 and relative[1] == ":"):
        return "the path must be relative to the app folder"
    if any(part == ".." for part in pure.parts):
        return "the path must stay inside the app folder (no '..')"
    return None


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class AppFolder:
    """One app folder, read with limits. Problems accumulate in ``issues``."""

    def __init__(self, directory: Path, display: str | None = None) -> None:
        self.directory = directory
        self.display = display if display is not None else str(directory)
        self.slug = (
            directory.resolve().name if directory.name in ("", ".", "..") else directory.name
        )
        self.root = os.path.realpath(directory)
        self.issues: list[Issue] = []
        self.files_read = 0
        self.bytes_read = 0

    def file_name(self, relative: str) -> str:
        """How a file of this app is named in messages."""
        return f"{self.display.rstrip('/')}/{relative}"

    def _locate(self, relative: str) -> tuple[str | None, str | None]:
        """(real path, None) for a readable regular file inside the folder, else (None, why)."""
        problem = path_problem(relative)
        if problem is not None:
            return None, problem
        candidate = os.path.join(self.root, *PurePosixPath(relative).parts)
        real = os.path.realpath(candidate)
        if not _is_within(real, self.root):
            return None, "the file is a symlink that leads outside the app folder"
        try:
            info = os.stat(real)
        except OSError:
            return None, "the file does not exist"
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_FILE_BYTES:
            return None, f"the file is larger than {MAX_FILE_BYTES} bytes"
        return real, None

    def exists(self, relative: str) -> bool:
        problem = path_problem(relative)
        if problem is not None:
            return False
        return os.path.lexists(os.path.join(self.root, *PurePosixPath(relative).parts))

    def read_text(self, relative: str, at: tuple[str, int] | None = None) -> str | None:
        """The UTF-8 text of a file inside the folder, or None after recording an issue at
        ``at`` (file, line) — the place that referenced the file — or at the file itself."""
        file, line = at if at is not None else (self.file_name(relative), 1)
        real, problem = self._locate(relative)
        if real is None:
            self.issues.append(Issue(file, line, f"cannot read '{relative}': {problem}"))
            return None
        if self.files_read >= MAX_APP_FILES:
            self.issues.append(Issue(file, line, f"the app has more than {MAX_APP_FILES} files"))
            return None
        try:
            with open(real, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            self.issues.append(Issue(file, line, f"cannot read '{relative}': {exc.strerror}"))
            return None
        if len(raw) > MAX_FILE_BYTES:
            self.issues.append(
                Issue(file, line, f"cannot read '{relative}': larger than {MAX_FILE_BYTES} bytes")
            )
            return None
        self.files_read += 1
        self.bytes_read += len(raw)
        if self.bytes_read > MAX_APP_BYTES:
            self.issues.append(Issue(file, line, f"the app's files exceed {MAX_APP_BYTES} bytes"))
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = raw.count(b"\n", 0, exc.start) + 1
            self.issues.append(Issue(self.file_name(relative), where, "the file is not UTF-8 text"))
            return None
        return text.removeprefix("\ufeff")

    def load_yaml(self, relative: str, at: tuple[str, int] | None = None) -> YamlDoc | None:
        """A YAML file of the app, or None after recording why it could not be read."""
        text = self.read_text(relative, at)
        if text is None:
            return None
        doc, issues = parse_yaml(text, self.file_name(relative))
        self.issues.extend(issues)
        return doc

    def list_files(self, relative_dir: str, suffixes: tuple[str, ...]) -> list[str]:
        """Names of the files directly in a sub-folder with one of ``suffixes``."""
        directory = os.path.join(self.root, relative_dir)
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return []
        return [n for n in names if n.endswith(suffixes) and not n.startswith(".")]
