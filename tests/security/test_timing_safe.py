"""Secrets are compared in constant time: hmac.compare_digest, or a database lookup by
their HMAC. This test reads the source (an AST walk) and fails on a new ``==``/``!=``
between two values whose names say they hold a secret, hash, token, nonce or password."""

from __future__ import annotations

import ast
from pathlib import Path

import inset

SRC = Path(inset.__file__).parent
SECRET_WORDS = ("secret", "hash", "token", "nonce", "digest", "signature", "password", "csrf")
# Names that contain a secret word but hold no secret: ids, lexer tokens, token names, and
# public integrity hashes (release content hashes, the audit log's hash chain).
NOT_SECRET = (
    "token_id",
    "token.id",
    "token.name",
    "self.token.value",  # the expression lexer's current token
    "content_hash",
    "digest",
    "row.hash",
    "head_hash",
    "expected_prev",
    "hash_of_row",
    "scheme",
)


def _name(node: ast.AST) -> str:
    """The dotted name a value is read from (``x``, ``a.b``, ``f()`` -> ``f``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return ""


def _secret_like(node: ast.AST) -> bool:
    name = _name(node).lower()
    return any(word in name for word in SECRET_WORDS)


def _exempt(node: ast.AST) -> bool:
    """A literal ("Bearer", None), a known non-secret, or a mapped column
    (``Model.secret_hash == …`` is a database lookup by hash, not a comparison here)."""
    if isinstance(node, ast.Constant):
        return True
    name = _name(node)
    if isinstance(node, ast.Attribute) and name[:1].isupper():
        return True
    return name.lower() in NOT_SECRET  # the exact name: `expected_digest` is not exempt


def insecure_comparisons(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True):
            if not isinstance(op, ast.Eq | ast.NotEq) or _exempt(left) or _exempt(right):
                continue
            if _secret_like(left) or _secret_like(right):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_checker_catches_a_plain_comparison() -> None:
    bad = "def ok(sent, stored_hash):\n    return hash_secret(sent) == stored_hash\n"
    assert insecure_comparisons(bad, "x.py") == ["x.py:2: hash_secret(sent) == stored_hash"]
    good = "import hmac\ndef ok(a, b):\n    return hmac.compare_digest(a, b)\n"
    assert insecure_comparisons(good, "x.py") == []
    assert insecure_comparisons("if scheme.lower() != 'bearer': pass", "x.py") == []
    # An exemption is one exact name, not every name that contains it.
    sneaky = "def ok(sent_digest, expected_digest):\n    return expected_digest == sent_digest\n"
    assert insecure_comparisons(sneaky, "x.py") == ["x.py:2: expected_digest == sent_digest"]


def test_no_secret_is_compared_with_eq() -> None:
    found: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        found += insecure_comparisons(path.read_text(), str(path.relative_to(SRC)))
    assert found == [], "compare secrets with hmac.compare_digest:\n" + "\n".join(found)
