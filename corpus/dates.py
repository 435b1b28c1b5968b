"""Publication dates as the pages write them (2024年01月19日 13:10, 二〇二四年一月十九日, /2024/01/19/) → ISO 8601."""

from __future__ import annotations

import re
from datetime import date, datetime

CHINA_OFFSET = "+08:00"  # pages in this corpus show Beijing time without saying so
_MIN_YEAR, _MAX_YEAR = 1990, 2100

_NUMERIC = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[年/\-.]\s*(\d{1,2})\s*[月/\-.]\s*(\d{1,2})(?!\d)\s*[日号]?"
    r"(?:\s*T?\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?)?"
    r"(?:\s*(Z|[+\-]\d{2}:?\d{2}))?"
)
_GLUED = re.compile(r"(?<!\d)((?:19|20)\d{2})[.\-/](\d{2})[.\-/](\d{2})(\d{2}):(\d{2})(?!\d)")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_NUM = "〇○零ＯO一二三四五六七八九十"
_CHINESE = re.compile(rf"([{_CN_NUM}]{{4}})年([{_CN_NUM}]{{1,3}})月([{_CN_NUM}]{{1,3}})日")
# URL layouts of Chinese CMSs: /2024/01/19/, /2024-01/19/, /2024/0119/, /20240119/, t20240119_123.html, /202401/t20240119_
_URL_PATTERNS = (
    re.compile(r"(?<!\d)((?:19|20)\d{2})[/\-_](\d{2})[/\-_](\d{2})(?!\d)"),
    re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})/(\d{2})(?!\d)"),
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),
    re.compile(r"[/_]t?((?:19|20)\d{2})(\d{2})(\d{2})(?:_|/|\.|\d{0,6}(?:_|/|\.))"),
)


def parse_date(text: str | None) -> str | None:
    """First date in `text` as ISO 8601: with +08:00 (or the shown offset) when a time is shown, else YYYY-MM-DD."""
    if not text:
        return None
    glued = _GLUED.search(text)  # 2005.08.2605:39: portals that print the time right after a two-digit day
    if glued:
        year, month, day, hour, minute = (int(g) for g in glued.groups())
        found = _iso_date(year, month, day)
        if found and hour < 24 and minute < 60:
            return f"{found}T{hour:02d}:{minute:02d}:00{CHINA_OFFSET}" if hour or minute else found
    for match in _NUMERIC.finditer(text):
        found = _numeric_to_iso(match)
        if found:
            return found
    match = _CHINESE.search(text)
    if match:
        year = int("".join(str(_CN_DIGITS[c]) for c in match.group(1)))
        return _iso_date(year, _cn_small(match.group(2)), _cn_small(match.group(3)))
    return None


def date_from_url(url: str | None) -> str | None:
    """Date a CMS wrote into the URL path (never a time), or None."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url.lower())
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(path):
            found = _iso_date(*(int(g) for g in match.groups()))
            if found:
                return found
    return None


def specificity(iso: str | None) -> int:
    """0 for nothing, 1 for a bare date, 2 for a date with a time: a time is the more specific claim."""
    if not iso:
        return 0
    return 2 if "T" in iso else 1


def _numeric_to_iso(match: re.Match[str]) -> str | None:
    year, month, day, hour, minute, second, zone = match.groups()
    day_iso = _iso_date(int(year), int(month), int(day))
    if day_iso is None or hour is None:
        return day_iso
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return day_iso
    if moment.hour == moment.minute == moment.second == 0:
        return day_iso  # CMSs fill a missing time with midnight: that is a bare date, not a claim of 00:00
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + _offset(zone)


def _offset(zone: str | None) -> str:
    if not zone:
        return CHINA_OFFSET
    if zone == "Z":
        return "+00:00"
    digits = zone.replace(":", "")
    return f"{digits[:3]}:{digits[3:]}"


def _iso_date(year: int, month: int, day: int) -> str | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _cn_small(text: str) -> int:
    """一 → 1, 十 → 10, 十九 → 19, 二十 → 20, 二十一 → 21 (months and days only)."""
    if "十" not in text:
        return int("".join(str(_CN_DIGITS.get(c, 0)) for c in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
