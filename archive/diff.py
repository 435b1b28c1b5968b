"""Character-level diffs between two versions, suited to Chinese (no word spaces): paragraphs first, then characters."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any


def _merge(ops: list[dict[str, str]], op: str, text: str) -> None:
    if not text:
        return
    if ops and ops[-1]["op"] == op:
        ops[-1]["text"] += text
    else:
        ops.append({"op": op, "text": text})


def _chars(ops: list[dict[str, str]], a: str, b: str) -> None:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _merge(ops, "equal", a[i1:i2])
        else:
            _merge(ops, "delete", a[i1:i2])
            _merge(ops, "insert", b[j1:j2])


def char_diff(old: str, new: str) -> list[dict[str, str]]:
    """[{op: equal|delete|insert, text}], concatenating equal+delete gives `old`, equal+insert gives `new`.

    Paragraphs are aligned first (cheap, and keeps a moved sentence from smearing across the text); paragraphs that
    were replaced are then compared character by character.
    """
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ops: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _merge(ops, "equal", "".join(a[i1:i2]))
        elif tag == "replace":
            _chars(ops, "".join(a[i1:i2]), "".join(b[j1:j2]))
        else:
            _merge(ops, "delete", "".join(a[i1:i2]))
            _merge(ops, "insert", "".join(b[j1:j2]))
    return ops


def diff_stats(ops: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "inserted": sum(len(o["text"]) for o in ops if o["op"] == "insert"),
        "deleted": sum(len(o["text"]) for o in ops if o["op"] == "delete"),
        "unchanged": sum(len(o["text"]) for o in ops if o["op"] == "equal"),
    }
