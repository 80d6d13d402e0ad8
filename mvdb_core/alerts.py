"""Telling the admin how an unattended job run went: healthchecks pings, a JSON webhook, apprise.

A scheduled job has nobody watching its output, so the run reports itself:

* healthchecks (a dead man's switch): `<url>/start` when the run starts, then `<url>` on success or
  `<url>/fail` on failure, each a POST whose body is the run's log tail. It gets the success ping on
  every run, because its silence is the alert for a job that never ran at all.
* a webhook and apprise URLs (chat, e-mail...): only when the run failed or has warnings (a missed
  backup deserves an alert even when this run succeeded), or on every run with `on_success`.

Delivering an alert is best effort and must never change the job's own result: `alert_start` and
`alert_finish` never raise, they return one-line problems for the caller to log. These URLs carry
secrets (the healthchecks uuid, webhook tokens, apprise passwords and API keys), so a problem shows
at most `scheme://host/…` of its URL, and any text that came from elsewhere (an exception, apprise's
log) has every part of the URL masked. Redirects are not followed: a POST carrying the log tail is
not sent on to whatever host a `Location` header names; the redirect is reported instead (for apprise
only where the installed apprise can be told so: older versions follow them).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from .errors import UsageError
from .redaction import redact, url_secrets
from .retry import call_with_retries

if TYPE_CHECKING:
    import httpx

HEALTHCHECKS_BODY_LIMIT = 100_000
"""Bytes of a ping body healthchecks.io keeps; the log tail is cut to its last this many bytes."""
CUT_MARK = "[… earlier log lines cut]\n"
NOTIFY_LOG_LIMIT = 3_000
"""Characters of the log tail in an apprise message (chat services cut long messages)."""
SUMMARY_LIMIT = 300
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "mvdb-backup-alerts"

Problems = list[str]


@dataclass(frozen=True)
class AlertSettings:
    """Where a job's alerts go; every destination is optional."""

    healthchecks: str | None = None
    """A healthchecks.io-style ping URL (hosted or self-hosted)."""
    webhook: str | None = None
    """A URL that receives a JSON POST of the run report."""
    apprise: tuple[str, ...] = ()
    """apprise URLs (chat, e-mail...)."""
    on_success: bool = False
    """Also alert webhook/apprise when the run succeeded without warnings."""
    timeout: float = 10.0
    """Seconds for each delivery attempt (connect and read)."""
    attempts: int = 3
    """Tries per delivery while it fails transiently (network error, HTTP 5xx/429)."""
    backoff: float = 0.5
    """Seconds before the first retry, doubled after each."""


@dataclass
class RunReport:
    """What one job run did, as the job runner hands it over."""

    job: str
    status: str
    """"ok" or "failed"; anything but "ok" counts as failed."""
    started: str
    """ISO 8601 UTC start time."""
    duration: float
    """Seconds."""
    steps: list[dict[str, Any]] = field(default_factory=list)
    """{"step": ..., "result": "ok"|"failed"|"skipped", "detail": ..., "error": ...} each."""
    warnings: list[str] = field(default_factory=list)
    """Things worth an alert even when the run succeeded (a missed backup)."""
    log_tail: str = ""
    repository: str = ""
    """Already redacted by the caller."""

    @property
    def failed(self) -> bool:
        return self.status != "ok"

    @property
    def event(self) -> str:
        """"failed", "warning" or "ok": what an alert for this run is about."""
        if self.failed:
            return "failed"
        return "warning" if self.warnings else "ok"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy of the report (the webhook's body is built on it)."""
        return dataclasses.asdict(self)

    def summary(self) -> str:
        """One line that says what happened, for a chat message's first line or a log."""
        if self.failed:
            bad = next((s for s in self.steps if s.get("result") == "failed"), None)
            text = f"{self.job} failed"
            if bad is not None:
                why = bad.get("error") or bad.get("detail") or "failed"
                text += f": {bad.get('step', 'a step')}: {why}"
            elif self.warnings:
                text += f": {self.warnings[0]}"
        elif self.warnings:
            more = f" (+{len(self.warnings) - 1} more warnings)" if len(self.warnings) > 1 else ""
            text = f"{self.job} ok, but {self.warnings[0]}{more}"
        else:
            text = f"{self.job} ok ({len(self.steps)} steps in {self.duration:.1f} s)"
        return _cut_line(text, SUMMARY_LIMIT)

    def as_text(self) -> str:
        """A plain-text message (summary, steps, warnings, the end of the log) for apprise services."""
        lines = [self.summary(), "", f"job: {self.job}", f"status: {self.status}"]
        if self.repository:
            lines.append(f"repository: {self.repository}")
        lines.append(f"started: {self.started} (took {self.duration:.1f} s)")
        if self.steps:
            lines.append("steps:")
            for step in self.steps:
                extra = step.get("error") or step.get("detail")
                lines.append(f"  {step.get('step', '?')}: {step.get('result', '?')}" + (f" ({extra})" if extra else ""))
        if self.warnings:
            lines.append("warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        tail = self.log_tail.rstrip()
        if tail:
            if len(tail) > NOTIFY_LOG_LIMIT:
                tail = "…" + tail[-NOTIFY_LOG_LIMIT:]
            lines += ["", "last log lines:", tail]
        return "\n".join(lines)


# -- public entry points ----------------------------------------------------------------------


def alert_start(settings: AlertSettings) -> Problems:
    """Tell healthchecks the run has started (it then also measures how long runs take).

    Returns the delivery problems, one line each; never raises, so a dead monitor cannot stop a backup.
    """
    try:
        if not settings.healthchecks:
            return []
        return _guarded("healthchecks start ping", settings.healthchecks, _display_http,
                        lambda: _ping(settings, "start", b""))
    except Exception as exc:  # settings of the wrong shape: still a problem, not an exception
        return [f"alerts: could not send the start ping ({type(exc).__name__})"]


def alert_finish(settings: AlertSettings, report: RunReport) -> Problems:
    """Report a finished run: healthchecks always, the webhook and apprise when it is worth an alert.

    Returns the delivery problems, one line each; never raises and never changes `report`.
    """
    problems: Problems = []
    try:
        if settings.healthchecks:
            kind = "fail" if report.failed else "success"
            problems += _guarded(f"healthchecks {kind} ping", settings.healthchecks, _display_http,
                                 lambda: _ping(settings, "fail" if report.failed else "", _cut_tail(report.log_tail)))
        if not (report.failed or report.warnings or settings.on_success):
            return problems
        if settings.webhook:
            problems += _guarded("webhook", settings.webhook, _display_http, lambda: _post_webhook(settings, report))
        for url in _apprise_urls(settings):
            problems += _guarded("apprise", url, _display_apprise,
                                 lambda url=url: _notify_apprise(settings, url, report))
    except Exception as exc:  # settings or a report of the wrong shape: still a problem, not an exception
        problems.append(f"alerts: could not send the alerts ({type(exc).__name__})")
    return problems


def validate_settings(settings: AlertSettings) -> None:
    """Check a job's alert settings before anything runs: a typo found at 3 a.m. is an alert lost.

    Raises UsageError (one line: what is wrong and how to fix it); the message holds no secret.
    """
    for name, url, source in (("healthchecks", settings.healthchecks, "your healthchecks check's ping URL"),
                              ("webhook", settings.webhook, "the URL your webhook receiver gave you")):
        if url is None:
            continue
        if not _is_http_url(url):
            raise UsageError(
                f"alerts: the {name} setting must be an http:// or https:// URL, not {_display_http(url)}: "
                f"use {source}"
            )
    for url in _apprise_urls(settings):
        if not isinstance(url, str) or _load_apprise(url) is None:
            raise UsageError(
                f"alerts: apprise cannot use the URL {_display_apprise(str(url))}: check its service name and fields "
                "(`apprise --details` lists the services it knows)"
            )
    if not settings.timeout > 0:
        raise UsageError(f"alerts: timeout must be a positive number of seconds, not {settings.timeout!r}")
    if settings.attempts < 1 or settings.backoff < 0:
        raise UsageError("alerts: attempts must be at least 1 and backoff not negative")


# -- delivery ---------------------------------------------------------------------------------


class _Undelivered(Exception):
    """One failed attempt: a secret-free reason, and whether another attempt may help."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.reason, self.transient = reason, transient


def _guarded(label: str, url: str, display: Callable[[str], str], deliver: Callable[[], None]) -> Problems:
    """Run `deliver` with retries; any failure, even a bug, becomes a one-line problem instead of an exception."""
    try:
        deliver()
    except _Undelivered as exc:
        return [_one_line(f"{label}: {exc.reason} ({display(url)})")]
    except Exception as exc:  # an alert must never take the job down with it
        return [_one_line(f"{label}: {_scrub(str(exc) or type(exc).__name__, url)} ({display(url)})")]
    return []


def _with_retries(settings: AlertSettings, once: Callable[[], None]) -> None:
    attempts = max(1, settings.attempts)
    try:
        call_with_retries(once, lambda exc: isinstance(exc, _Undelivered) and exc.transient,
                          attempts, max(0.0, settings.backoff))
    except _Undelivered as exc:
        if exc.transient and attempts > 1:
            raise _Undelivered(f"{exc.reason} after {attempts} attempts", True) from None
        raise


def _http_post(settings: AlertSettings, url: str, content: bytes, headers: dict[str, str]) -> None:
    """POST `content`, retried while it fails transiently; no redirects, no secrets in the reason."""
    import httpx  # here: every command would pay for importing it

    def once() -> None:
        try:
            response = client.post(url, content=content, headers={"User-Agent": USER_AGENT, **headers})
        except httpx.TimeoutException:
            raise _Undelivered(f"no answer within {settings.timeout:g} s", True) from None
        except httpx.UnsupportedProtocol:
            raise _Undelivered("not an http:// or https:// URL", False) from None
        except httpx.TransportError as exc:
            raise _Undelivered(_transport_reason(exc, url), True) from None
        if response.is_success:
            return
        label = f"HTTP {response.status_code}" + (f" {response.reason_phrase}" if response.reason_phrase else "")
        if response.is_redirect:
            where = _display_http(urljoin(url, response.headers.get("location", "")))
            raise _Undelivered(f"answered with a redirect ({label}) to {where}, not followed: use the final URL", False)
        raise _Undelivered(label, response.status_code in TRANSIENT_STATUS)

    # No redirects: the body (the log tail, the report) must not go on to another host.
    with httpx.Client(timeout=settings.timeout, follow_redirects=False) as client:
        _with_retries(settings, once)


def _ping(settings: AlertSettings, suffix: str, body: bytes) -> None:
    assert settings.healthchecks
    url = _with_path_suffix(settings.healthchecks, suffix)
    _http_post(settings, url, body, {"Content-Type": "text/plain; charset=utf-8"})


def _post_webhook(settings: AlertSettings, report: RunReport) -> None:
    assert settings.webhook
    payload = {**report.as_dict(), "event": report.event, "summary": report.summary()}
    content = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    _http_post(settings, settings.webhook, content, {"Content-Type": "application/json"})


def _notify_apprise(settings: AlertSettings, url: str, report: RunReport) -> None:
    import apprise

    notifier = _load_apprise(url)
    if notifier is None:
        raise _Undelivered("apprise cannot parse this URL", False)
    for server in notifier:
        # apprise's own default is 4 s: keep the job's setting, as for the other deliveries.
        server.socket_connect_timeout = settings.timeout
        server.socket_read_timeout = settings.timeout
        if hasattr(server, "redirects"):  # newer apprise: as for the webhook, the report goes nowhere else
            server.redirects = False
    notify_type = {"failed": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}.get(
        report.event, apprise.NotifyType.SUCCESS)
    title = f"MVDB backup job {report.job}: {report.event}"

    def once() -> None:
        with _apprise_log() as log:
            sent = notifier.notify(body=report.as_text(), title=title, notify_type=notify_type,
                                   body_format=apprise.NotifyFormat.TEXT)
        if not sent:
            said = log[-1] if log else "not delivered"
            raise _Undelivered(_scrub(said, url, hide_host=not _host_is_shown(url)).rstrip("."), True)

    _with_retries(settings, once)


def _load_apprise(url: str) -> Any:
    """An `apprise.Apprise` holding just `url`, or None when apprise cannot parse it (its log kept quiet)."""
    import apprise

    notifier = apprise.Apprise()
    with _apprise_log():
        added = notifier.add(url)
    return notifier if added and len(notifier) > 0 else None


_APPRISE_LOG_LOCK = threading.Lock()


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.into.append(record.getMessage())
        except Exception:  # a bad log record must not break the delivery
            pass


@contextmanager
def _apprise_log() -> Iterator[list[str]]:
    """apprise's warnings, collected instead of passed on: they may name a URL with its secrets."""
    logger = logging.getLogger("apprise")
    messages: list[str] = []
    handler = _Collect(messages)
    with _APPRISE_LOG_LOCK:
        propagate = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield messages
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate


# -- URLs, secrets and text -------------------------------------------------------------------


def _apprise_urls(settings: AlertSettings) -> tuple[str, ...]:
    return (settings.apprise,) if isinstance(settings.apprise, str) else tuple(settings.apprise or ())


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except (ValueError, AttributeError):
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _with_path_suffix(url: str, suffix: str) -> str:
    """`url` with `/suffix` added to its path (healthchecks' /start and /fail), keeping its query.

    A trailing slash is dropped even without a suffix: healthchecks knows `/ping/<uuid>`, not `/ping/<uuid>/`.
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") + (f"/{suffix}" if suffix else "")
    return parts._replace(path=path).geturl()


def _display_http(url: str) -> str:
    """At most `scheme://host:port/…` of `url`: its path, query and user part may hold tokens."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return "<a URL that could not be parsed>"
    if not parts.scheme or not parts.hostname:
        return "<not a URL>"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown = f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")
    bare = parts.path in ("", "/") and not (parts.username or parts.password or parts.query or parts.fragment)
    return shown if bare else shown + "/…"


def _host_is_shown(url: str) -> bool:
    """apprise puts API keys where a host would be (`pover://user@token`): show only host names and addresses."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError when the "port" is part of a token)
    except (ValueError, AttributeError):
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    return len(labels) > 1 and all(label.replace("-", "").isalnum() for label in labels)


def _display_apprise(url: str) -> str:
    """`scheme://host/…` when the host is a host name or address, else just `scheme://…`."""
    if _host_is_shown(url):
        return _display_http(url)
    scheme = url.strip().partition("://")[0]
    return f"{scheme.lower()}://…" if scheme.replace("+", "").isalnum() else "<not a URL>"


def _url_parts_to_mask(url: str, hide_host: bool = False) -> list[str]:
    """Every part of `url` that may be a secret: user, password, path segments, query values (raw and decoded)."""
    found = list(url_secrets(url))
    try:
        parts = urlsplit(url.strip())
        if parts.username:
            found.append(parts.username)
        if hide_host and parts.hostname:
            found.append(parts.hostname)
        found += [seg for seg in parts.path.split("/") if seg]
        found += [v for pair in parse_qsl(parts.query, keep_blank_values=True) for v in pair if v]
        if parts.query:
            found.append(parts.query)
        if parts.fragment:
            found.append(parts.fragment)
    except ValueError:
        pass
    return found + [unquote(s) for s in found if unquote(s) != s]


def _scrub(text: str, url: str, hide_host: bool = False) -> str:
    """Text from elsewhere (an exception, apprise's log) with every part of `url` that may be secret masked."""
    return _one_line(redact(text, _url_parts_to_mask(url, hide_host)))


def _transport_reason(exc: httpx.TransportError, url: str) -> str:
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                                  "name resolution", "no address associated")):
        return "host not found"
    return _scrub(text or type(exc).__name__, url)


def _cut_tail(log_tail: str) -> bytes:
    """The end of the log, in at most HEALTHCHECKS_BODY_LIMIT bytes: the last lines say what went wrong."""
    data = log_tail.encode("utf-8")
    if len(data) <= HEALTHCHECKS_BODY_LIMIT:
        return data
    mark = CUT_MARK.encode("utf-8")
    kept = data[len(data) - (HEALTHCHECKS_BODY_LIMIT - len(mark)):]
    # Drop a character cut in half at the front.
    return mark + kept.decode("utf-8", errors="ignore").encode("utf-8")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cut_line(text: str, limit: int) -> str:
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
