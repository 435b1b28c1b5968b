"""Facts from meta lines (发布时间… 来源… 编辑…) and gov info boxes, and merging them with page-level candidates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from corpus.dates import parse_date, specificity
from corpus.normalize import match_key
from corpus.types import Metadata

# Labels as written in simplified script after match_key; several may share one line, so each value runs to the
# next label. Longer labels first so 责任编辑 wins over 编辑 and 发布时间 over 时间.
_FIELD_LABELS: tuple[tuple[str, str], ...] = (
    ("发布时间", "published"), ("发布日期", "published"), ("发表时间", "published"), ("发表日期", "published"),
    ("发稿时间", "published"), ("更新时间", "published"), ("时间", "published"), ("日期", "published"),
    ("发布", "published"), ("来自", "publisher"), ("点击", "views"),
    ("信息来源", "publisher"), ("文章来源", "publisher"), ("来源", "publisher"), ("稿源", "publisher"),
    ("出处", "publisher"), ("作者", "author"), ("记者", "author"), ("责任编辑", "editor"), ("责编", "editor"),
    ("编辑", "editor"), ("审核", "reviewer"), ("浏览次数", "views"), ("点击数", "views"), ("阅读数", "views"),
)
_INFO_BOX_LABELS: tuple[tuple[str, str], ...] = (
    ("索引号", "index_no"), ("主题分类", "topic"), ("主题词", "subject_terms"), ("发文机关", "issuing_agency"),
    ("发布机构", "issuing_agency"), ("成文日期", "written_date"), ("发文字号", "doc_number"), ("文号", "doc_number"),
    ("公文种类", "doc_type"), ("有效性", "validity"), ("标题", "doc_title"), ("分类", "topic"),
)
_ALL_LABELS = tuple(sorted(_FIELD_LABELS + _INFO_BOX_LABELS, key=lambda pair: -len(pair[0])))
_LABEL_RE = re.compile(r"(?:^|(?<=[\s|(\[【/,;]))(" + "|".join(re.escape(k) for k, _ in _ALL_LABELS) + r")\s*:\s*")
_LABEL_FIELD = dict(_ALL_LABELS)
_INFO_BOX_FIELDS = frozenset(field for _, field in _INFO_BOX_LABELS)
# Toolbar words that trail a meta line ("… 编辑:田延华 打印"): not part of a name.
_TRAILING_TOOLS = re.compile(r"(?:\s*[\[【(]?\s*(?:打印|纠错|关闭|关闭窗口|收藏|分享到?|字号|[大中小]|发表评论|查看评论|"
                             r"我要评论|返回|扫一扫)\s*[\]】)]?)+$")
# Gov info boxes space out short labels to align them (索 引 号：); the spaces go before labels are looked up.
_SPACED_LABEL = re.compile(r"(?<!\S)((?:[\u4e00-\u9fff][ \u3000]){1,3}[\u4e00-\u9fff])(?=\s*[:：])")
_VALUE_TRIM = " \t|·[]【】()（）/,;，；"
_MAX_VALUE = 40
_NONE_VALUES = frozenset({"无", "無", "暂无", "暫無", "—", "-", "--", "——", "/", "空", "null", "none", "n/a"})


def parse_meta_line(line: str) -> dict[str, str]:
    """Field → value for every `label: value` pair on one line, values in the line's own script.

    Labels are found on match_key(line) so 發布時間： and 发布时间: read alike; values are cut from the original
    line at the same offsets, which holds because t2s and the width folding map one character to one character
    for the labels and digits involved (when lengths differ we fall back to the folded text).
    """
    line = _SPACED_LABEL.sub(lambda m: re.sub(r"[ \u3000]", "", m.group(1)), line)
    key = match_key(line)
    original = " ".join(line.split())
    source = original if len(original) == len(key) else key
    matches = list(_LABEL_RE.finditer(key))
    fields: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(key)
        value = _clean_value(source[match.end():end])
        field = _LABEL_FIELD[match.group(1)]
        if value and field not in fields:
            fields[field] = value
    if "published" not in fields and "written_date" not in fields and parse_date(key):
        fields["published"] = key
    return fields


def metadata_from_lines(lines: Iterable[str]) -> Metadata:
    """Metadata gathered from meta lines (first value of each field wins, dates by specificity)."""
    published: str | None = None
    found: dict[str, str] = {}
    extra: dict[str, str] = {}
    for line in lines:
        for field, value in parse_meta_line(line).items():
            if field == "published":
                candidate = parse_date(value)
                if specificity(candidate) > specificity(published):
                    published = candidate
            elif field in _INFO_BOX_FIELDS or field not in ("publisher", "author", "editor"):
                extra.setdefault(field, value)
            else:
                found.setdefault(field, value)
    return Metadata(published=published, extra=extra, **found)


def merge_metadata(primary: Metadata, *others: Metadata) -> Metadata:
    """Fill the gaps of `primary` from `others` in order; for `published` a later source may add the time of
    the same day, never replace the day an earlier (more trusted) source gave."""
    merged = primary
    for other in others:
        published = merged.published
        # a later source adds a time to the day we have, or gives a day when we have none; it never moves the day
        same_day = published is None or (other.published or "")[:10] == published[:10]
        if same_day and specificity(other.published) > specificity(published):
            published = other.published
        merged = replace(
            merged,
            title=merged.title or other.title,
            published=published,
            publisher=merged.publisher or other.publisher,
            author=merged.author or other.author,
            editor=merged.editor or other.editor,
            extra=_merge_extra(merged.extra, other.extra),
        )
    return merged


def _merge_extra(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, str]:
    return {**second, **first}


def _clean_value(raw: str) -> str:
    """The value, without trailing toolbar words; "" for the placeholders boxes print for none (无, 暂无, —)."""
    value = _TRAILING_TOOLS.sub("", raw.strip(_VALUE_TRIM)).strip(_VALUE_TRIM)
    value = value[:_MAX_VALUE].strip()
    return "" if value in _NONE_VALUES else value


_LEAD_SPAN = 80  # a lead's date and 电/讯 end within its first ~35 characters; long paragraphs need not be keyed whole
_LEAD_LINES = 6  # the lead is the first paragraph; a nav line or subtitle the cleaner kept may come before it
_LEAD = re.compile(r"^[【\[(（]?[^\s,，。]{0,12}?((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{2}-\d{1,2}-\d{1,2})"
                   r"\s*(讯|电|报道|消息)")


def lead_date(text: str) -> str | None:
    """The date of a news lead that states it (【看中国2005年07月03日报道】, 新华社北京2024年1月19日电), or None."""
    for line in [line for line in text.splitlines() if line.strip()][:_LEAD_LINES]:
        match = _LEAD.search(match_key(line[:_LEAD_SPAN]))
        if match:
            return parse_date(match.group(1))
    return None
