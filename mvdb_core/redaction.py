"""Keeping secrets out of what gets printed: one place that knows what a secret looks like.

Stores keep a URL's secret parts apart from its display form (`redact_url`), so most messages
never hold a secret in the first place; `redact` is the last line of defence for text that
came from elsewhere (a driver's error message, an exception raised by a library).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MASK = "***"
_SECRET_NAME = re.compile(r"pass|secret|token|key|auth|signature|credential|session", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>.,;:!?)]")  # no trailing punctuation
MIN_SECRET_LENGTH = 4
"""Shorter values are not masked inside other text: they would mask ordinary words."""


def is_secret_name(name: str) -> bool:
    """A query parameter or setting whose name suggests it holds a secret (password, apikey, token...)."""
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """`url` without the password of its user part and without the values of secret query parameters."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "<a URL that could not be parsed>"
    if parts.password is None and not any(is_secret_name(k) for k, _ in parse_qsl(parts.query)):
        return url.strip()
    netloc = parts.netloc
    if "@" in netloc:
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        if port is not None:
            host += f":{port}"
        user = quote(parts.username or "", safe="")
        if parts.password is not None:
            user += ":" + MASK
        netloc = f"{user}@{host}" if user else host
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def url_secrets(url: str) -> list[str]:
    """The secret values a URL carries (its password, secret query parameters), to mask elsewhere."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    found = [parts.password] if parts.password else []
    found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if v and is_secret_name(k)]
    return found


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every known secret masked and every URL in it reduced by `redact_url`."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, MASK)
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group()), text)
