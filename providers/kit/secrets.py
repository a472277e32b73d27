"""The only code that formats a secret.

Tokens travel through the program wrapped in `Secret`, whose str() and repr() are
masked, so an accidental f-string or traceback cannot leak one. Every raw value is
also remembered, and `scrub()` removes any of them (plus anything that looks like a
bearer token) from text before it reaches a screen, a log or an exception message.
"""

from __future__ import annotations

import binascii
import re
import threading
from bisect import bisect_right
from collections.abc import Callable

# Shapes of credentials we may meet in text we did not write (server error bodies, OS errors).
_TOKEN_PATTERNS = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"  # JWT
    r"|\b(?:sk|sess|gho|ghu|ghp|github_pat|rt|pk)[-_][A-Za-z0-9_\-]{12,}"  # prefixed keys
    r"|(?i:bearer)\s+[A-Za-z0-9._\-~+/]{12,}=*"
)
_MIN_REMEMBERED = 6  # shorter values are too likely to appear in ordinary words
# A server may echo a known secret in pieces or in another form: any run of this many of its
# characters is masked, however it is written (verbatim, split by whitespace or lines,
# percent-encoded, base64 or base64url at any alignment, with or without padding).
MIN_RUN = 12
HIDDEN = "****"

# The search: every secret's 6-character grams at every 7th offset go into one dict. Any
# run of 12 characters of a secret holds a gram that starts at one of those offsets, so a
# run is found by looking up the text's grams (a set intersection, in C) and extending each
# hit both ways. Memory is about one entry per 7 characters of secret: the other forms are
# undone in the text (whitespace and %XX removed, base64 decoded) rather than indexed.
_GRAM = 6
_STRIDE = MIN_RUN - _GRAM + 1
_CANDIDATES_PER_GRAM = 32  # a gram shared by many secrets (JWT headers) is kept this often
_LOCK = threading.Lock()
_KNOWN: set[str] = set()
_SHORT: list[str] = []  # remembered values too short for runs: masked only whole
_SECRETS: list[str] = []
# gram -> where it starts, packed as number << 32 | offset (one int: a tuple per entry would
# triple the memory); a list when several secrets share the gram.
_INDEX: dict[str, int | list[int]] = {}

# What may hide a run of a secret: %XX escapes, and whitespace (any; for base64 only line
# breaks with the indentation after them, since prose without its spaces is one long word).
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\r?\n[ \t]*")
_Replacement = str | Callable[[re.Match[str]], str]
_BASE64_RUN = re.compile(rf"[A-Za-z0-9+/_-]{{{MIN_RUN * 4 // 3},}}")
_URLSAFE = str.maketrans("-_", "+/")
_PRINTABLE_RUN = re.compile(rf"[\x20-\x7e]{{{MIN_RUN},}}")


def mask(value: str | None) -> str:
    """First 4 + **** + last 4; short values are hidden entirely."""
    if not value:
        return ""
    if len(value) < 12:
        return HIDDEN
    return f"{value[:4]}{HIDDEN}{value[-4:]}"


def remember(value: str) -> None:
    if not value or len(value) < _MIN_REMEMBERED or value in _KNOWN:
        return
    with _LOCK:
        if value in _KNOWN:
            return
        _KNOWN.add(value)
        if len(value) < MIN_RUN:
            _SHORT.append(value)
            _SHORT.sort(key=len, reverse=True)
            return
        number = len(_SECRETS)
        _SECRETS.append(value)
        for offset in range(0, len(value) - _GRAM + 1, _STRIDE):
            gram, place = value[offset : offset + _GRAM], number << 32 | offset
            known = _INDEX.get(gram)
            if known is None:
                _INDEX[gram] = place
            elif isinstance(known, int):
                _INDEX[gram] = [known, place]
            elif len(known) < _CANDIDATES_PER_GRAM:
                known.append(place)


def forget_all() -> None:
    """Forget every remembered value. For tests, each of which stands for a new process: a
    secret a previous test planted must not mask an ordinary word of the next one."""
    with _LOCK:
        _KNOWN.clear()
        _SHORT.clear()
        _SECRETS.clear()
        _INDEX.clear()


def _same_ahead(text: str, start: int, secret: str, offset: int) -> int:
    """How many characters text[start:] and secret[offset:] share at the front."""
    low, high = 0, min(len(text) - start, len(secret) - offset)
    while low < high:  # slice comparisons run in C; a char-by-char loop would not
        middle = (low + high + 1) // 2
        if text[start : start + middle] == secret[offset : offset + middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _same_behind(text: str, end: int, secret: str, offset: int) -> int:
    """How many characters text[:end] and secret[:offset] share at the back."""
    low, high = 0, min(end, offset)
    while low < high:
        middle = (low + high + 1) // 2
        if text[end - middle : end] == secret[offset - middle : offset]:
            low = middle
        else:
            high = middle - 1
    return low


def _runs(text: str) -> list[tuple[int, int, int | None]]:
    """Spans of text that are runs of MIN_RUN+ characters of a known secret, each with the
    secret's number when the span is that whole secret."""
    if len(text) < MIN_RUN:
        return []
    grams = {text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)}
    found: list[tuple[int, int, int | None]] = []
    # A long echo hits a gram every 7 characters, all on one alignment of text and secret:
    # extend each run once, not once per gram in it.
    extended: dict[tuple[int, int], tuple[int, int]] = {}
    for gram in filter(_INDEX.__contains__, grams):  # `keys() & grams` would copy the keys
        places = _INDEX[gram]
        candidates = [places] if isinstance(places, int) else places
        at = text.find(gram)
        while at >= 0:
            for place in candidates:
                number, offset = place >> 32, place & 0xFFFFFFFF
                alignment = (number, at - offset)
                done = extended.get(alignment)
                if done is not None and done[0] <= at < done[1]:
                    continue
                secret = _SECRETS[number]
                start = at - _same_behind(text, at, secret, offset)
                end = at + _same_ahead(text, at, secret, offset)
                extended[alignment] = (start, end)
                if end - start >= MIN_RUN:
                    found.append((start, end, number if end - start == len(secret) else None))
            at = text.find(gram, at + 1)
    return found


class _Shrunk:
    """The text with every match of `pattern` replaced (by "" or one decoded character),
    and the way back from a position in it to the text's. The way back is worked out only
    when asked for: that is when something was found, which is rare."""

    def __init__(
        self,
        text: str,
        pattern: re.Pattern[str],
        replacement: _Replacement,
        shrunk: str | None = None,  # the result, when a faster call already made it
    ) -> None:
        self.original, self.pattern = text, pattern
        self.text = pattern.sub(replacement, text) if shrunk is None else shrunk
        self._marks: list[tuple[int, int, int, int]] | None = None  # (at, width, start, end)

    def _where(self, index: int) -> tuple[int, int]:
        if self._marks is None:
            self._marks, shrunk = [], 0
            for match in self.pattern.finditer(self.original):
                width = 1 if match.group().startswith("%") else 0
                self._marks.append((match.start() - shrunk, width, match.start(), match.end()))
                shrunk += match.end() - match.start() - width
        mark = bisect_right(self._marks, (index, 2)) - 1
        if mark < 0:
            return index, index + 1
        at, width, start, end = self._marks[mark]
        if index < at + width:  # a character that was %XX
            return start, end
        position = end + index - at - width
        return position, position + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The text's span holding characters start..end-1 of the shrunk text."""
        return self._where(start)[0], self._where(end - 1)[1]


def _base64_runs(plain: str) -> list[tuple[int, int]]:
    """Spans of plain text whose base64 (or base64url) decoding, at any of the four
    alignments, holds a run of a known secret."""
    spans = []
    for match in _BASE64_RUN.finditer(plain):
        encoded = match.group().translate(_URLSAFE)
        for shift in range(4):
            usable = (len(encoded) - shift) // 4 * 4
            try:
                decoded = binascii.a2b_base64(encoded[shift : shift + usable]).decode("latin-1")
            except binascii.Error:
                continue
            base = match.start() + shift
            # Tokens are printable ASCII: only such stretches of the decoding can hold one,
            # and a wrong alignment (or random bytes) rarely has any, so this stays cheap.
            for text in _PRINTABLE_RUN.finditer(decoded):
                for start, end, _ in _runs(text.group()):
                    start, end = start + text.start(), end + text.start()
                    # Byte i of the decoding comes from characters 4*(i//3) .. 4*(i//3)+3.
                    last = min((end - 1) // 3 * 4 + 4, usable)
                    spans.append((base + start // 3 * 4, base + last))
    return spans


def _secret_spans(text: str) -> list[tuple[int, int, str]]:
    """Where the text holds a run of a known secret, in any form, and what replaces it: the
    usual mask for the whole secret written plainly, **** for anything else."""
    # The common case (no %, no line break) costs one C call: str.split is re's \s.
    decoded = _Shrunk(text, _PERCENT, _decode_percent, None if "%" in text else text)
    spans = []
    flat = _Shrunk(decoded.text, _WHITESPACE, "", "".join(decoded.text.split()))
    for start, end, number in _runs(flat.text):
        start, end = decoded.span(*flat.span(start, end))
        whole = number is not None and text[start:end] == _SECRETS[number]
        spans.append((start, end, mask(text[start:end]) if whole else HIDDEN))
    lines = _Shrunk(decoded.text, _LINE_BREAKS, "", None if "\n" in decoded.text else decoded.text)
    for start, end in _base64_runs(lines.text):
        spans.append((*decoded.span(*lines.span(start, end)), HIDDEN))
    return spans


def _decode_percent(match: re.Match[str]) -> str:
    return chr(int(match.group()[1:], 16))


def _replaced(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Each span replaced; spans that overlap are replaced as one: by the replacement of the
    span that covers them all when there is one, else by ****."""
    spans.sort(key=lambda span: (span[0], -span[1]))
    out: list[str] = []
    done = 0
    index = 0
    while index < len(spans):
        start, end, replacement = spans[index]
        index += 1
        while index < len(spans) and spans[index][0] < end:
            if spans[index][1] > end:
                end, replacement = spans[index][1], HIDDEN
            index += 1
        out += [text[done:start], replacement]
        done = end
    out.append(text[done:])
    return "".join(out)


def scrub(text: str) -> str:
    """Remove every known secret (in any of the forms above, or any long enough run of
    one) and every token-shaped string from text."""
    if not text:
        return text
    # Found in the same text and replaced together: masking a run first could cut the
    # head off a JWT and leave the rest unrecognisable to the token patterns.
    spans = _secret_spans(text) if _INDEX else []
    spans += [(m.start(), m.end(), mask(m.group())) for m in _TOKEN_PATTERNS.finditer(text)]
    if spans:
        text = _replaced(text, spans)
    for value in _SHORT:
        if value in text:
            text = text.replace(value, mask(value))
    return text


class Secret:
    """A credential value that refuses to print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({mask(self._value)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


QUOTE_LIMIT = 120


def quote(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """A service's own words, fit for a status message: scrubbed first (so no cut can split
    a key), on one line, at most `limit` characters."""
    if not text:
        return None
    text = " ".join(scrub(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None
