"""Junk rules loaded from corpus/rules/*.toml (data, each with the real line it was written for), validated once."""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

from corpus.normalize import match_key

_REQUIRED = ("id", "kind", "reason", "example")
_ALLOWED = frozenset(_REQUIRED + ("pattern", "lexicon", "min_hits", "shape", "follow", "max_len", "keep", "title",
                                  "head_only"))
SHAPES = frozenset({"term_list", "title_repeat"})
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_TERM_SEPARATORS = re.compile(r"\s*[|｜,，]\s*")
T = TypeVar("T")


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the rule id."""


@dataclass(frozen=True)
class Rule:
    """One junk rule: a line is junk when every condition the rule states holds on its match_key."""

    id: str
    kind: str
    reason: str
    example: str
    source: str  # file name, for error messages and reports
    pattern: re.Pattern[str] | None = None
    lexicon: frozenset[str] = frozenset()
    min_hits: int = 1
    shape: str | None = None
    follow: re.Pattern[str] | None = None  # lines after a match that belong to it (related lists, TOC entries)
    max_len: int | None = None
    keep: tuple[str, ...] = ()
    title: str | None = None  # for title_repeat examples: the page title the example repeats
    head_only: bool = False  # only before the first body line (site names, which end a notice as its signature)

    def matches(self, key: str) -> bool:
        """True when the normalised line is junk by this rule (title_repeat is decided by the cleaner)."""
        if self.max_len is not None and len(key) > self.max_len:
            return False
        if self.pattern is not None and not self.pattern.search(key):
            return False
        if self.lexicon and lexicon_hits(key, self.lexicon) < self.min_hits:
            return False
        return self.shape != "term_list" or is_term_list(key)

    def continues(self, key: str) -> bool:
        """True when a line following a match still belongs to it."""
        return self.follow is not None and bool(self.follow.search(key))


def lexicon_hits(key: str, lexicon: frozenset[str]) -> int:
    """How many distinct lexicon terms occur in the line."""
    lowered = key.lower()
    if not _lexicon_screen(lexicon).search(lowered):
        return 0
    return sum(1 for term in lexicon if term in lowered)


@lru_cache(maxsize=16)
def _lexicon_screen(lexicon: frozenset[str]) -> re.Pattern[str]:
    """Any term at all, in one search: most lines hold none, and then the count is 0 at once."""
    return re.compile("|".join(sorted(map(re.escape, lexicon))) or "(?!)")


def is_term_list(key: str) -> bool:
    """Many short terms separated by | or commas and no sentence punctuation: keyword spam and link bars."""
    if _SENTENCE_END.search(key):
        return False
    terms = [t for t in _TERM_SEPARATORS.split(key) if t]
    if len(terms) < 4:
        return False
    return max(len(t) for t in terms) <= 24 and sum(len(t) for t in terms) / len(terms) <= 14


def first_match(key: str, rules: tuple[Rule, ...]) -> Rule | None:
    """The first rule (in file order) that takes the line, title_repeat aside (the cleaner decides that one).

    Most lines are text that no rule takes, and most rules only take short lines (max_len). So only the rules
    whose max_len admits the line are considered; of those, the ones anchored at the line start are screened by
    one combined match at position 0 and tried one by one only when it hits; the others always are.
    """
    screens = _screens(rules)
    band = screens.bands[bisect_left(screens.bounds, len(key))]
    for rule in band.screened if band.screen.match(key) else band.unscreened:
        if rule.matches(key):
            return rule
    return None


@dataclass(frozen=True)
class _Band:
    """The rules that can take a line of some range of lengths (their max_len is at least its top), in order."""

    screen: re.Pattern[str]  # the anchored patterns among them, as one alternation
    screened: tuple[Rule, ...]  # all of them: to try when the screen matched
    unscreened: tuple[Rule, ...]  # those the screen does not speak for: to try when it did not


@dataclass(frozen=True)
class _Screens:
    """A rule set cut into length bands: band i holds the rules for lines up to bounds[i] long (and longer
    than bounds[i - 1]); the last band, for lines longer than every max_len, the rules without one."""

    bounds: tuple[int, ...]
    bands: tuple[_Band, ...]


def by_identity(function: Callable[[tuple[Rule, ...]], T]) -> Callable[[tuple[Rule, ...]], T]:
    """Cache a function of a rule set by the set's identity: hashing sixty frozen rules on every call cost more
    than the work. The few rule sets of a process (packaged, test folders) are kept, the oldest dropped."""
    cache: dict[int, tuple[tuple[Rule, ...], T]] = {}

    def cached(rules: tuple[Rule, ...]) -> T:
        hit = cache.get(id(rules))
        if hit is None or hit[0] is not rules:
            if len(cache) >= _MAX_RULE_SETS:
                cache.pop(next(iter(cache)))
            hit = cache[id(rules)] = (rules, function(rules))
        return hit[1]

    return cached


_MAX_RULE_SETS = 16


@by_identity
def _screens(rules: tuple[Rule, ...]) -> _Screens:
    """What first_match needs of a rule set, built once per set."""
    candidates = [rule for rule in rules if rule.shape != "title_repeat"]
    bounds = tuple(sorted({rule.max_len for rule in candidates if rule.max_len is not None}))
    bands = []
    for top in (*bounds, None):
        admitted = [rule for rule in candidates if rule.max_len is None or (top is not None and rule.max_len >= top)]
        anchored = [rule for rule in admitted if rule.pattern is not None and _ANCHORED.match(rule.pattern.pattern)]
        bands.append(_Band(screen=_combined(anchored), screened=tuple(admitted),
                           unscreened=tuple(rule for rule in admitted if rule not in anchored)))
    return _Screens(bounds=bounds, bands=tuple(bands))


def _combined(rules: list[Rule]) -> re.Pattern[str]:
    """One alternation of the rules' patterns: it matches (or finds) wherever one of them does."""
    return re.compile("|".join(f"(?:{_scoped(rule.pattern.pattern)})" for rule in rules) or "(?!)")


_ANCHORED = re.compile(r"^(\(\?[aiLmsux]+\))?\^")


def _scoped(pattern: str) -> str:
    """A leading (?i) becomes (?i:…): global flags are not allowed inside an alternation."""
    match = re.match(r"^\(\?([aiLmsux]+)\)", pattern)
    return f"(?{match.group(1)}:{pattern[match.end():]})" if match else pattern


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """All packaged rules, in file-name order (meta first, so meta lines move to Metadata before other kinds)."""
    folder = resources.files("corpus") / "rules"
    with resources.as_file(folder) as path:
        return load_rules_from(Path(path))


def load_rules_from(folder: Path) -> tuple[Rule, ...]:
    """Rules of every *.toml in `folder`; raises RuleError naming the file and rule on any defect."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.toml")):
        for rule in _load_file(path, folder):
            if rule.id in seen:
                raise RuleError(f"{path.name}: rule {rule.id!r}: duplicate id")
            seen.add(rule.id)
            rules.append(rule)
    return tuple(rules)


def _load_file(path: Path, folder: Path) -> Iterable[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path.name}: not valid TOML: {exc}") from exc
    for entry in data.get("rule", []):
        yield _build(entry, path.name, folder)


def _build(entry: dict, source: str, folder: Path) -> Rule:
    rule_id = entry.get("id", "<no id>")
    where = f"{source}: rule {rule_id!r}"
    missing = [name for name in _REQUIRED if not entry.get(name)]
    if missing:
        raise RuleError(f"{where}: missing {', '.join(missing)}")
    unknown = set(entry) - _ALLOWED
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not any(entry.get(name) for name in ("pattern", "lexicon", "shape")):
        raise RuleError(f"{where}: needs a pattern, a lexicon or a shape")
    if entry.get("shape") and entry["shape"] not in SHAPES:
        raise RuleError(f"{where}: unknown shape {entry['shape']!r} (known: {', '.join(sorted(SHAPES))})")
    return Rule(
        id=rule_id, kind=entry["kind"], reason=entry["reason"], example=entry["example"], source=source,
        pattern=_compile(entry.get("pattern"), where, "pattern"),
        lexicon=_lexicon(entry.get("lexicon"), folder, where),
        min_hits=int(entry.get("min_hits", 1)), shape=entry.get("shape"),
        follow=_compile(entry.get("follow"), where, "follow"),
        max_len=entry.get("max_len"), keep=tuple(entry.get("keep", ())), title=entry.get("title"),
        head_only=bool(entry.get("head_only", False)),
    )


def _compile(pattern: str | None, where: str, name: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RuleError(f"{where}: bad {name} regex {pattern!r}: {exc}") from exc


def _lexicon(name: str | None, folder: Path, where: str) -> frozenset[str]:
    """Terms of a lexicon file (one per line, # comments), in match_key form so 賭場 matches 赌场."""
    if not name:
        return frozenset()
    path = folder / name
    if not path.is_file():
        raise RuleError(f"{where}: lexicon file {name!r} not found beside the rules")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(match_key(line).lower() for line in lines if line.strip() and not line.lstrip().startswith("#"))
