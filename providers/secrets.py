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

# What may hide a run of a secret: whitespace (any, or for base64 only line breaks with the
# indentation after them, since prose without its spaces is one long word) and %XX escapes.
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_HIDING = re.compile(r"\s+|%[0-9A-Fa-f]{2}")
_HIDING_BASE64 = re.compile(r"\r?\n[ \t]*|%[0-9A-Fa-f]{2}")
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


class _Undone:
    """The text without what `hiding` matches (%XX decoded), and where each of its
    characters starts and ends in the text."""

    def __init__(self, text: str, hiding: re.Pattern[str]) -> None:
        pieces: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        kept = 0
        for match in hiding.finditer(text):
            self._keep(pieces, text, kept, match.start())
            if match.group().startswith("%"):
                pieces.append(chr(int(match.group()[1:], 16)))
                self.starts.append(match.start())
                self.ends.append(match.end())
            kept = match.end()
        self._keep(pieces, text, kept, len(text))
        self.text = "".join(pieces)

    def _keep(self, pieces: list[str], text: str, start: int, end: int) -> None:
        pieces.append(text[start:end])
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


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


def _mask_runs(text: str) -> str:
    escaped = _PERCENT.search(text) is not None
    # Without %XX escapes the text without whitespace is one C call; the way back to the
    # text's positions is only worked out when something was found.
    flat = _Undone(text, _HIDING) if escaped else None
    runs = _runs(flat.text if flat else "".join(text.split()))
    if runs and flat is None:
        flat = _Undone(text, _HIDING)
    spans = [(*flat.span(start, end), number) for start, end, number in runs] if flat else []
    lines = _Undone(text, _HIDING_BASE64) if escaped or "\n" in text else None
    for start, end in _base64_runs(lines.text if lines else text):
        spans.append((*(lines.span(start, end) if lines else (start, end)), None))
    if not spans:
        return text
    spans.sort(key=lambda span: (span[0], -span[1]))
    out: list[str] = []
    done = 0
    for start, end, number in spans:
        if end <= done:
            continue
        start = max(start, done)
        whole = number is not None and text[start:end] == _SECRETS[number]
        out += [text[done:start], mask(_SECRETS[number]) if whole else HIDDEN]
        done = end
    out.append(text[done:])
    return "".join(out)


def scrub(text: str) -> str:
    """Remove every known secret (in any of the forms above, or any long enough run of
    one) and every token-shaped string from text."""
    if not text:
        return text
    if _INDEX:
        text = _mask_runs(text)
    for value in _SHORT:
        if value in text:
            text = text.replace(value, mask(value))
    return _TOKEN_PATTERNS.sub(lambda match: mask(match.group(0)), text)


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
