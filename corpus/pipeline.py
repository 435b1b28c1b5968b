"""The whole corpus stage for one fetched page: decode → extract → clean → metadata → normalise → hash."""

from __future__ import annotations

import logging
import re

from corpus.clean import clean_text, metadata_of
from corpus.compilation import split_compilation, toc_titles
from corpus.dates import date_from_url
from corpus.decode import decode_html, looks_binary
from corpus.extract import context_lines, extract_main, parse_html
from corpus.fingerprint import text_hash
from corpus.metadata import lead_date, merge_metadata
from corpus.normalize import normalize_text
from corpus.types import Extraction, Metadata, Piece

logger = logging.getLogger(__name__)

# lxml and trafilatura are roughly linear, but a runaway page (inlined data, endless comment threads) should not
# hold a worker: beyond this many characters only the head of the page is used — article text comes early.
MAX_HTML_CHARS = 3_000_000
# Below this many characters of clean text the precise extraction probably missed the article (see extract_main).
# 200 was the best of 0/200/400/800 on the zh dev set (400+ lets link-heavy default output back in).
MIN_BODY_CHARS = 200
# ...unless that short text already reads as sentences: then the page is a short item, and the broad pass would
# only add the teasers and link lists around it.
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?=\s|$)")
_MIN_SENTENCES = 2


def extract_page(body: bytes | str, url: str | None = None, *, http_charset: str | None = None,
                 encoding_override: str | None = None, boilerplate: frozenset[str] = frozenset(),
                 boilerplate_source: str | None = None) -> Extraction:
    """Everything the archive stores for one page; never raises (an unusable page gives text="" and a reason).

    `boilerplate` is the learned line set of the page's source (corpus.boilerplate.learn_boilerplate); those
    lines are removed with kind "learned" and rule "learned:<boilerplate_source>".
    """
    learned = {"boilerplate": boilerplate,
               "boilerplate_rule": f"learned:{boilerplate_source}" if boilerplate_source else "learned"}
    try:
        return _extract_page(body, url, http_charset, encoding_override, learned)
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a crawl; the reason is recorded
        logger.exception("extract_page failed for %s", url)
        return _empty(f"internal error: {type(exc).__name__}")


def _extract_page(body: bytes | str, url: str | None, http_charset: str | None,
                  override: str | None, learned: dict) -> Extraction:
    if not body:
        return _empty("empty input")
    encoding, replaced = None, 0
    if isinstance(body, bytes):
        if looks_binary(body):
            return _empty("binary content")
        had = body.count("\ufffd".encode())
        body, encoding = decode_html(body, http_charset=http_charset, override=override)
        replaced = max(0, body.count("\ufffd") - had)
    html = body[:MAX_HTML_CHARS]
    if not html.strip():
        return _empty("empty input", encoding)
    tree = parse_html(html)
    facts = extract_main(tree, url)
    cleaned = clean_text(facts.text, title=facts.title, links=facts.links, **learned)
    if len(cleaned.text) < MIN_BODY_CHARS and not _is_prose(cleaned.text):
        broad = extract_main(tree, url, precise=False)
        broad_cleaned = clean_text(broad.text, title=broad.title, links=broad.links, **learned)
        if len(broad_cleaned.text) > len(cleaned.text):
            facts, cleaned = broad, broad_cleaned
    header_lines, footer_lines = context_lines(tree, cleaned.text or facts.text) if tree is not None else ((), ())
    header = metadata_of(header_lines, datelines=True)
    footer = metadata_of(footer_lines, labelled_dates=True)
    page = Metadata(title=facts.title, published=facts.published, publisher=facts.publisher, author=facts.author)
    # the dateline above the text first: a body meta line may be a notice's own signature date with its source
    metadata = merge_metadata(header, cleaned.metadata, footer, page, Metadata(published=lead_date(cleaned.text)),
                              Metadata(published=date_from_url(url)))
    text_norm = normalize_text(cleaned.text)
    return Extraction(
        title=facts.title,
        text=cleaned.text,
        text_norm=text_norm,
        hash=text_hash(text_norm),
        metadata=metadata,
        removed=cleaned.removed,
        encoding=encoding,
        canonical_url=facts.canonical_url,
        reason=None if cleaned.text else ("no main text" if not facts.text.strip() else "only boilerplate"),
        replaced=replaced,
        pieces=_pieces(facts.text, cleaned.text),
        extracted=facts.text,
    )


def _is_prose(text: str) -> bool:
    """A short news item in whole sentences is the article; an info box, a title or link labels is a missed one."""
    return len(_SENTENCE_END.findall(text)) >= _MIN_SENTENCES


def _pieces(extracted: str, clean: str) -> tuple[Piece, ...]:
    """A compilation's pieces: titles from the 目录 as extracted (the cleaner removes it), texts from the clean body."""
    titles = toc_titles(extracted)
    return tuple(split_compilation(clean, titles)) if titles else ()


def _empty(reason: str, encoding: str | None = None) -> Extraction:
    return Extraction(title=None, text="", text_norm="", hash=text_hash(""), metadata=Metadata(),
                      encoding=encoding, reason=reason)
