"""The junk-line cleaner: runs the data rules over a body line by line and reports every removal."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from corpus.metadata import metadata_from_lines
from corpus.normalize import match_key, match_keys
from corpus.repair import rejoin_chunks, strip_pinyin
from corpus.rules import Rule, by_identity, first_match, load_rules
from corpus.types import Cleaned, Metadata, Removal

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_LOOSE = re.compile(r"[\W_]+")
_LABEL_ONLY = re.compile(r"[:：]\s*$")
_MAX_VALUE_LINE = 80
_MAX_PASSES = 4  # removing a line can expose a new match (e.g. a chunk run); repeat until nothing changes
_DATE = r"(19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?"
_TIME = r"(上午|下午)?\s*\d{1,2}:\d{2}(:\d{2})?"
_DATELINES = (
    re.compile(rf"^{_DATE}\s*((星期|周|週)[一二三四五六日天])?\s*({_TIME})?$"),  # a date alone
    re.compile(rf"^.{{0,40}}\D{_DATE}\s*{_TIME}$"),  # ending in date and time
    re.compile(rf"(发布时间|发表时间|发布日期|发表日期|发布于|发表于)\s*:?\s*{_DATE}"),  # a labelled date inside
    re.compile(rf"于\s*{_DATE}\s*({_TIME})?.{{0,30}}(发表|发布)"),  # 本贴由某某于2005年8月12日…发表
    re.compile(rf"(?i)posted\s*(@|on)\s*{_DATE}"),
)
_MAX_DATELINE = 120
_MIN_LINK_TAIL = 3
_BOX_HEADING_MAX = 8
_SENTENCE_PUNCT = re.compile(r"[。，,；;！!？?：:]")
_ATTACHMENT = re.compile(r"(?i)(^附件|\.(docx?|xlsx?|pdf|wps|zip|rar|ofd|et)$)")
_TITLE_GROWTH = 1.6  # a reworded title repeat is at most this much longer than the title
_TITLE_SIMILAR = 0.7  # bigram Dice between a head line and the title above which the line is the title again
_TITLE_MAX = 120  # longer lines are paragraphs, even when a page's "title" is its whole first paragraph


@dataclass
class _Pass:
    """What one pass over the lines kept and removed."""

    kept: list[str] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    meta_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Learned:
    """Lines learned as one source's boilerplate (match_key form) and the rule name removals carry."""

    keys: frozenset[str] = frozenset()
    rule: str = "learned"


def clean_text(text: str, title: str | None = None, *, boilerplate: frozenset[str] = frozenset(),
               boilerplate_rule: str = "learned", links: frozenset[str] = frozenset()) -> Cleaned:
    """Body without junk lines (original script, one paragraph per line), facts of its meta lines, and removals.

    `boilerplate` holds lines learned from one source's pages (corpus.boilerplate, in match_key form); they go
    with kind "learned" and rule `boilerplate_rule` (e.g. "learned:gov-zhengce") after the data rules had their say.
    `links` holds the page's link texts (match_key form): a run of lines at the end of the body that are each a
    whole link is a link box (kind "related", rule "related.link_tail").
    Pure and idempotent; never raises and never returns more text than it got (on an internal error the input
    comes back unchanged, logged, rather than losing a document).
    """
    try:
        return _clean(text or "", title, Learned(boilerplate, boilerplate_rule), links)
    except Exception:  # noqa: BLE001 - a cleaning bug must not lose the document; it is logged and visible
        logger.exception("clean_text failed; returning the body uncleaned")
        return Cleaned(text=text or "", metadata=Metadata(title=title))


def metadata_of(lines: Iterable[str], *, datelines: bool = False, labelled_dates: bool = False) -> Metadata:
    """Facts of the meta lines among `lines` (datelines and info boxes around the article): only the meta rules
    run, as nothing else of these lines is kept.

    `datelines=True` (the lines above the text) also reads a line that is only a date (2022年02月13日, with a
    weekday or a time) or ends in a date and time (…3160字2022年07月10日 07:15): above the title that is the
    dateline, while inside or under a document a lone date is its signature and stays text.
    `labelled_dates=True` (the lines under the text) reads only dates that say they are the publication's
    (发布于 …, 本贴由某某于 … 发表, posted @ …).
    """
    prepared = _prepare("\n".join(lines))
    rules = _meta_rules(load_rules())
    memo = _match_memo(prepared, rules)
    meta_lines = clean_lines(prepared, None, rules, memo=memo).meta_lines
    patterns = _DATELINES if datelines else _DATELINES[2:] if labelled_dates else ()
    if patterns:
        meta_lines += [line for line in prepared if len(line) <= _MAX_DATELINE
                       and any(pattern.search(memo[line][0]) for pattern in patterns)]
    return metadata_from_lines(meta_lines)


def _match_memo(lines: list[str], rules: tuple[Rule, ...]) -> dict[str, tuple[str, Rule | None]]:
    """Line → (match key, first matching rule) for each distinct line; keys in one OpenCC call (costly per call)."""
    unique = list(dict.fromkeys(lines))  # pages repeat lines (menus, 10 MB of one paragraph): match each once
    return {line: (key, first_match(key, rules)) for line, key in zip(unique, match_keys(unique), strict=True)}


@by_identity
def _body_rules(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules that apply once the body has started (head_only ones left out)."""
    return tuple(rule for rule in rules if not rule.head_only)


@by_identity
def _meta_rules(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    return tuple(rule for rule in rules if rule.kind == "meta")


def clean_lines(lines: list[str], title: str | None, rules: tuple[Rule, ...],
                learned: Learned | None = None, memo: dict[str, tuple[str, Rule | None]] | None = None) -> _Pass:
    """One pass of the rules (then the learned lines) over `lines` (already stripped and repaired).

    `memo` (line → key and first matching rule) carries what one pass learned into the next, which mostly
    sees the same lines again.
    """
    result = _Pass()
    learned = learned or Learned()
    memo = {} if memo is None else memo
    title_key = _loose(title) if title else None
    active: Rule | None = None  # a matched rule whose `follow` lines may come next
    for line in lines:
        if line not in memo:
            key = match_key(line)
            memo[line] = (key, first_match(key, rules))
        key, matched = memo[line]
        if result.meta_lines and _LABEL_ONLY.search(result.meta_lines[-1]) and len(key) <= _MAX_VALUE_LINE \
                and result.removed and result.removed[-1].line == result.meta_lines[-1]:
            # info boxes put "索 引 号：" and its value in separate cells, so the value arrives as the next line
            result.meta_lines[-1] += " " + line
            result.removed.append(Removal(line=line, kind="meta", rule=result.removed[-1].rule))
            continue
        if matched is not None and matched.head_only and result.kept:
            matched = first_match(key, _body_rules(rules))
        rule = _title_repeat(key, title_key, result.kept, rules) or matched
        if rule is None and active is not None and active.continues(key):
            rule = active
        elif rule is None:
            active = None
        if rule is None and key in learned.keys:
            result.removed.append(Removal(line=line, kind="learned", rule=learned.rule))
            continue
        if rule is None:
            result.kept.append(line)
            continue
        result.removed.append(Removal(line=line, kind=rule.kind, rule=rule.id))
        if rule.kind == "meta":
            result.meta_lines.append(line)
        if rule.follow is not None:
            active = rule
    return result


def _clean(text: str, title: str | None, learned: Learned, links: frozenset[str] = frozenset()) -> Cleaned:
    rules = load_rules()
    lines = _prepare(text)
    removed: list[Removal] = []
    meta_lines: list[str] = []
    memo = _match_memo(lines, rules)
    for _ in range(_MAX_PASSES):
        result = clean_lines(lines, title, rules, learned, memo)
        kept = rejoin_chunks(result.kept)
        removed += result.removed
        meta_lines += result.meta_lines
        if kept == lines:
            break
        lines = kept
    lines, tail = _link_tail(lines, links)
    removed += tail
    metadata = metadata_from_lines(meta_lines)
    return Cleaned(text="\n".join(lines), metadata=_with_title(metadata, title), removed=tuple(removed))


def _link_tail(lines: list[str], links: frozenset[str]) -> tuple[list[str], list[Removal]]:
    """Split off the run of whole-link lines that ends the body (more news, channel links), when it is long
    enough to be a box; attachments (附件, file names) end the run, as gov documents list them as links."""
    if not links:
        return lines, []
    start, linked = len(lines), 0
    while start > 0 and (_is_link_line(lines[start - 1], links) or _is_box_heading(lines[start - 1])):
        start -= 1
        linked += _is_link_line(lines[start], links)
    while start < len(lines) and not _is_link_line(lines[start], links):
        start += 1  # a heading right above the box may be the body's last line; only links start the box
    if linked < _MIN_LINK_TAIL or start == 0:
        return lines, []
    return lines[:start], [Removal(line=line, kind="related", rule="related.link_tail") for line in lines[start:]]


def _is_link_line(line: str, links: frozenset[str]) -> bool:
    key = match_key(line)
    return key in links and not _ATTACHMENT.search(key)


def _is_box_heading(line: str) -> bool:
    """工作动态, 直播访谈: the short headings between the link groups of a box."""
    return len(line) <= _BOX_HEADING_MAX and not _SENTENCE_PUNCT.search(line)


def _prepare(text: str) -> list[str]:
    """Stripped, space-collapsed, pinyin-free lines; blank lines dropped (paragraphs are lines already)."""
    lines = (line.strip() for line in strip_pinyin(_SPACES.sub(" ", text)).splitlines())  # whole text: two C calls
    return [line for line in lines if line]


def _title_repeat(key: str, title_key: str | None, kept: list[str], rules: tuple[Rule, ...]) -> Rule | None:
    """The page title repeated in the body: exactly anywhere (teaser blocks repeat it too), loosely (cut or
    with the site name) before the body starts; without a title, the first line repeated right after it."""
    loose = _loose_of_key(key)
    if not loose or len(loose) > _TITLE_MAX:
        return None
    if title_key and (loose == title_key or (not kept and _same_title(loose, title_key))):
        return _rule_of_shape(rules, "title_repeat")
    if len(kept) == 1 and loose == _loose_cached(kept[0]):
        return _rule_of_shape(rules, "title_repeat")
    return None


def _same_title(loose: str, title_key: str) -> bool:
    """The title cut, extended (site name, 收起) or reworded slightly, as video and portal pages repeat it."""
    if loose == title_key:
        return True
    shorter, longer = sorted((loose, title_key), key=len)
    if longer.startswith(shorter) and len(shorter) >= 0.7 * len(longer):
        return True
    if title_key in loose:  # something before the whole title: a lead (新华社北京4月24日电 题：…), which is text
        return False
    return len(loose) <= _TITLE_GROWTH * len(title_key) and _bigram_dice(loose, title_key) >= _TITLE_SIMILAR


def _bigram_dice(a: str, b: str) -> float:
    first, second = Counter(a[i:i + 2] for i in range(len(a) - 1)), Counter(b[i:i + 2] for i in range(len(b) - 1))
    total = sum(first.values()) + sum(second.values())
    return 2 * sum((first & second).values()) / total if total else 0.0


def _rule_of_shape(rules: tuple[Rule, ...], shape: str) -> Rule | None:
    return next((rule for rule in rules if rule.shape == shape), None)


@lru_cache(maxsize=4096)
def _loose_of_key(key: str) -> str:
    """_loose of a line already in match_key form; every pass asks again for the same lines."""
    return _LOOSE.sub("", key).lower()


@lru_cache(maxsize=64)
def _loose_cached(text: str) -> str:
    return _loose(text)


def _loose(text: str) -> str:
    """Title comparison key: normalised, no punctuation or spaces, lower case."""
    return _LOOSE.sub("", match_key(text)).lower()


def _with_title(metadata: Metadata, title: str | None) -> Metadata:
    if title is None:
        return metadata
    return Metadata(title=title, published=metadata.published, publisher=metadata.publisher,
                    author=metadata.author, editor=metadata.editor, extra=metadata.extra)
