"""Alerts delivered to a real local HTTP server: healthchecks pings, the JSON webhook, apprise's json:// and form://.

No mocks: every delivery goes over a socket to a ThreadingHTTPServer that records what it got, and can
answer with queued statuses (500 then 200, a redirect) to exercise retries and refusals.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from mvdb_core.alerts import (
    CUT_MARK,
    HEALTHCHECKS_BODY_LIMIT,
    AlertSettings,
    RunReport,
    alert_finish,
    alert_start,
    validate_settings,
)
from mvdb_core.errors import UsageError

UUID = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278"
FAST = {"timeout": 2.0, "backoff": 0.01}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Recorder:
    """A local HTTP server that records every request and answers with queued (status, headers) or 200."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.responses: list[tuple[int, dict[str, str]]] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with recorder._lock:
                    recorder.requests.append(Request(self.command, self.path, dict(self.headers.items()), body))
                    status, headers = recorder.responses.pop(0) if recorder.responses else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_GET = do_POST = do_PUT = do_HEAD = _handle

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def answer(self, *statuses: int | tuple[int, dict[str, str]]) -> None:
        self.responses += [s if isinstance(s, tuple) else (s, {}) for s in statuses]

    def paths(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def make_server():
    servers: list[Recorder] = []

    def make() -> Recorder:
        servers.append(Recorder())
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server) -> Recorder:
    return make_server()


@pytest.fixture
def dead_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(status: str = "ok", warnings: list[str] | None = None, log_tail: str = "line 1\nline 2\n") -> RunReport:
    steps = [{"step": "snapshot", "result": "ok", "detail": "1200 rows"}]
    if status == "failed":
        steps.append({"step": "check", "result": "failed", "error": "leaf 3f2a… damaged"})
    return RunReport(job="mvdb-nightly", status=status, started="2024-05-01T02:00:00Z", duration=12.5, steps=steps,
                     warnings=warnings or [], log_tail=log_tail, repository="s3://bucket/mvdb")


# -- healthchecks -------------------------------------------------------------------------------


def test_start_ping_posts_to_start(server):
    settings = AlertSettings(healthchecks=f"{server.url}/ping/{UUID}", **FAST)
    assert alert_start(settings) == []
    assert server.paths() == [("POST", f"/ping/{UUID}/start")]


def test_success_ping_is_the_plain_url_with_the_log_tail(server):
    settings = AlertSettings(healthchecks=f"{server.url}/ping/{UUID}/", webhook=f"{server.url}/hook", **FAST)
    assert alert_finish(settings, report("ok", log_tail="all good\n")) == []
    # A clean run: the success ping only (the webhook is for failures and warnings).
    assert server.paths() == [("POST", f"/ping/{UUID}")]
    assert server.requests[0].body == b"all good\n"


def test_fail_ping_carries_the_log_tail(server):
    settings = AlertSettings(healthchecks=f"{server.url}/ping/{UUID}", **FAST)
    assert alert_finish(settings, report("failed", log_tail="step check\nleaf 3f2a damaged\n")) == []
    assert server.paths() == [("POST", f"/ping/{UUID}/fail")]
    assert server.requests[0].body == b"step check\nleaf 3f2a damaged\n"


def test_ping_keeps_its_query_string(server):
    settings = AlertSettings(healthchecks=f"{server.url}/ping/KEY/mvdb-nightly?create=1", **FAST)
    assert alert_start(settings) == []
    assert server.paths() == [("POST", "/ping/KEY/mvdb-nightly/start?create=1")]


def test_long_log_tail_is_cut_to_its_last_100_kb(server):
    lines = [f"line {i} ünïcødé €\n" for i in range(20_000)]
    log = "".join(lines)
    assert len(log.encode()) > 2 * HEALTHCHECKS_BODY_LIMIT
    settings = AlertSettings(healthchecks=f"{server.url}/ping/{UUID}", **FAST)
    assert alert_finish(settings, report("failed", log_tail=log)) == []
    body = server.requests[0].body
    assert len(body) <= HEALTHCHECKS_BODY_LIMIT
    assert len(body) > HEALTHCHECKS_BODY_LIMIT - 10  # cut, not shrunk further
    text = body.decode("utf-8")  # never a character cut in half
    assert text.startswith(CUT_MARK)
    assert text.endswith(lines[-1]) and lines[-2] in text


# -- webhook and apprise: when and what ---------------------------------------------------------


def test_webhook_json_body_on_failure(server):
    settings = AlertSettings(webhook=f"{server.url}/hook?token=abc123", **FAST)
    assert alert_finish(settings, report("failed", warnings=["no successful backup for 3 days (interval 1d)"])) == []
    assert server.paths() == [("POST", "/hook?token=abc123")]
    request = server.requests[0]
    assert request.headers["Content-Type"] == "application/json"
    body = request.json()
    assert body["event"] == "failed"
    assert body["summary"] == "mvdb-nightly failed: check: leaf 3f2a… damaged"
    assert body["job"] == "mvdb-nightly" and body["status"] == "failed"
    assert body["started"] == "2024-05-01T02:00:00Z" and body["duration"] == 12.5
    assert body["steps"][1] == {"step": "check", "result": "failed", "error": "leaf 3f2a… damaged"}
    assert body["warnings"] == ["no successful backup for 3 days (interval 1d)"]
    assert body["log_tail"] == "line 1\nline 2\n"
    assert body["repository"] == "s3://bucket/mvdb"


def test_warnings_alert_even_when_the_run_succeeded(server):
    settings = AlertSettings(webhook=f"{server.url}/hook", apprise=(f"json://127.0.0.1:{server.port}/apprise",),
                             **FAST)
    warned = report("ok", warnings=["no successful backup for 3 days (interval 1d)"])
    assert alert_finish(settings, warned) == []
    assert server.paths() == [("POST", "/hook"), ("POST", "/apprise")]
    assert server.requests[0].json()["event"] == "warning"
    assert "no successful backup for 3 days" in server.requests[0].json()["summary"]
    sent = server.requests[1].json()
    assert sent["type"] == "warning"
    assert "no successful backup for 3 days" in sent["message"]


def test_a_clean_run_alerts_only_with_on_success(server):
    settings = AlertSettings(webhook=f"{server.url}/hook", apprise=(f"json://127.0.0.1:{server.port}/apprise",),
                             **FAST)
    assert alert_finish(settings, report("ok")) == []
    assert server.requests == []
    settings = AlertSettings(webhook=f"{server.url}/hook", apprise=(f"json://127.0.0.1:{server.port}/apprise",),
                             on_success=True, **FAST)
    assert alert_finish(settings, report("ok")) == []
    assert server.paths() == [("POST", "/hook"), ("POST", "/apprise")]
    assert server.requests[0].json()["event"] == "ok"
    assert server.requests[0].json()["summary"] == "mvdb-nightly ok (1 steps in 12.5 s)"
    assert server.requests[1].json()["type"] == "success"


def test_apprise_json_and_form_reach_the_local_server(server):
    settings = AlertSettings(apprise=(f"json://127.0.0.1:{server.port}/json-in",
                                      f"form://127.0.0.1:{server.port}/form-in"), **FAST)
    assert alert_finish(settings, report("failed")) == []
    assert server.paths() == [("POST", "/json-in"), ("POST", "/form-in")]
    sent = server.requests[0].json()
    assert sent["type"] == "failure"
    assert sent["title"] == "MVDB backup job mvdb-nightly: failed"
    assert sent["message"].startswith("mvdb-nightly failed: check: leaf 3f2a… damaged")
    assert "check: failed (leaf 3f2a… damaged)" in sent["message"] and "line 2" in sent["message"]
    form = parse_qs(server.requests[1].body.decode())
    assert form["type"] == ["failure"] and form["title"] == ["MVDB backup job mvdb-nightly: failed"]
    assert "repository: s3://bucket/mvdb" in form["message"][0]


def test_webhook_basic_auth_from_the_url(server):
    settings = AlertSettings(webhook=f"http://alerts:s3cr3t-pw@127.0.0.1:{server.port}/hook", **FAST)
    assert alert_finish(settings, report("failed")) == []
    assert server.requests[0].headers["Authorization"].startswith("Basic ")


# -- retries, refusals, unreachable -------------------------------------------------------------


def test_500_then_200_is_retried(server):
    server.answer(500, 503)
    settings = AlertSettings(healthchecks=f"{server.url}/ping/{UUID}", **FAST)
    assert alert_start(settings) == []
    assert server.paths() == [("POST", f"/ping/{UUID}/start")] * 3
    server.answer(500)
    settings = AlertSettings(webhook=f"{server.url}/hook", **FAST)
    assert alert_finish(settings, report("failed")) == []
    assert server.paths()[3:] == [("POST", "/hook")] * 2


def test_apprise_500_then_200_is_retried(server):
    server.answer(500)
    settings = AlertSettings(apprise=(f"json://127.0.0.1:{server.port}/apprise",), **FAST)
    assert alert_finish(settings, report("failed")) == []
    assert server.paths() == [("POST", "/apprise")] * 2


def test_a_server_that_keeps_failing_is_a_problem_after_the_attempts(server):
    server.answer(500, 500, 500)
    settings = AlertSettings(webhook=f"{server.url}/hook", **FAST)
    problems = alert_finish(settings, report("failed"))
    assert problems == [f"webhook: HTTP 500 Internal Server Error after 3 attempts (http://127.0.0.1:{server.port}/…)"]
    assert len(server.requests) == 3


def test_a_client_error_is_not_retried(server):
    server.answer(404)
    settings = AlertSettings(healthchecks=f"{server.url}/ping/{UUID}", **FAST)
    problems = alert_finish(settings, report("ok"))
    assert problems == [f"healthchecks success ping: HTTP 404 Not Found (http://127.0.0.1:{server.port}/…)"]
    assert len(server.requests) == 1


def test_unreachable_destinations_are_problems_not_exceptions(dead_port):
    settings = AlertSettings(healthchecks=f"http://127.0.0.1:{dead_port}/ping/{UUID}",
                             webhook=f"http://127.0.0.1:{dead_port}/hook",
                             apprise=(f"json://127.0.0.1:{dead_port}/apprise",), **FAST)
    began = time.monotonic()
    assert alert_start(settings) == [
        f"healthchecks start ping: connection refused after 3 attempts (http://127.0.0.1:{dead_port}/…)"]
    problems = alert_finish(settings, report("failed"))
    assert time.monotonic() - began < 5
    assert problems[:2] == [
        f"healthchecks fail ping: connection refused after 3 attempts (http://127.0.0.1:{dead_port}/…)",
        f"webhook: connection refused after 3 attempts (http://127.0.0.1:{dead_port}/…)",
    ]
    assert len(problems) == 3
    assert problems[2].startswith("apprise: ") and problems[2].endswith(f"(json://127.0.0.1:{dead_port}/…)")
    assert "after 3 attempts" in problems[2] and ". after" not in problems[2]


def test_a_server_that_never_answers_times_out():
    with socket.socket() as sock:  # listens (the kernel accepts the connection), never reads or answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        settings = AlertSettings(webhook=f"http://127.0.0.1:{port}/hook", timeout=0.3, attempts=2, backoff=0.01)
        began = time.monotonic()
        problems = alert_finish(settings, report("failed"))
    assert time.monotonic() - began < 3
    assert problems == [f"webhook: no answer within 0.3 s after 2 attempts (http://127.0.0.1:{port}/…)"]


def test_a_redirect_to_another_host_is_not_followed(make_server):
    target, elsewhere = make_server(), make_server()
    target.answer(*[(307, {"Location": f"{elsewhere.url}/collect/{UUID}?token=stolen"})] * 2)
    settings = AlertSettings(healthchecks=f"{target.url}/ping/{UUID}", webhook=f"{target.url}/hook", **FAST)
    problems = alert_finish(settings, report("failed", log_tail="secret-ish log\n"))
    assert elsewhere.requests == []
    assert len(target.requests) == 2  # one each, not retried
    assert problems == [
        f"healthchecks fail ping: answered with a redirect (HTTP 307 Temporary Redirect) to "
        f"http://127.0.0.1:{elsewhere.port}/…, not followed: use the final URL (http://127.0.0.1:{target.port}/…)",
        f"webhook: answered with a redirect (HTTP 307 Temporary Redirect) to "
        f"http://127.0.0.1:{elsewhere.port}/…, not followed: use the final URL (http://127.0.0.1:{target.port}/…)",
    ]


def test_apprise_does_not_follow_a_redirect_where_it_can_be_told(make_server):
    import apprise

    if not hasattr(apprise.Apprise.instantiate("json://127.0.0.1:1/x"), "redirects"):
        pytest.skip("this apprise follows redirects and has no setting to stop it")
    target, elsewhere = make_server(), make_server()
    target.answer(*[(307, {"Location": f"{elsewhere.url}/collect"})] * 3)
    settings = AlertSettings(apprise=(f"json://127.0.0.1:{target.port}/apprise",), **FAST)
    problems = alert_finish(settings, report("failed"))
    assert elsewhere.requests == []
    assert len(problems) == 1 and "307" in problems[0]


def test_a_relative_redirect_names_the_same_host(server):
    server.answer((302, {"Location": "/moved"}))
    problems = alert_start(AlertSettings(healthchecks=f"{server.url}/ping/{UUID}", **FAST))
    assert problems == [f"healthchecks start ping: answered with a redirect (HTTP 302 Found) to "
                        f"http://127.0.0.1:{server.port}/…, not followed: use the final URL "
                        f"(http://127.0.0.1:{server.port}/…)"]
    assert server.paths() == [("POST", f"/ping/{UUID}/start")]


def test_nothing_configured_sends_nothing():
    assert alert_start(AlertSettings()) == []
    assert alert_finish(AlertSettings(on_success=True), report("failed")) == []


def test_broken_settings_at_run_time_are_problems_not_exceptions():
    settings = AlertSettings(healthchecks="hc-ping.com/" + UUID, webhook="ftp://files.example/x",
                             apprise=("nosuchservice://user:pw@x",), **FAST)
    problems = alert_finish(settings, report("failed"))
    assert [p.split(":")[0] for p in problems] == ["healthchecks fail ping", "webhook", "apprise"]
    assert all("\n" not in p for p in problems)
    assert UUID not in " ".join(problems)


# -- secrets --------------------------------------------------------------------------------------

SECRETS = ("hunter2pw", "SECRETTOKEN", "SECRETPATH", UUID, "alertuser")


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {text!r}"


def test_secrets_never_in_problems(server, dead_port, caplog, capfd):
    server.answer(*[500] * 12)
    for port in (server.port, dead_port):
        settings = AlertSettings(
            healthchecks=f"http://127.0.0.1:{port}/ping/{UUID}?token=SECRETTOKEN",
            webhook=f"http://alertuser:hunter2pw@127.0.0.1:{port}/hook/SECRETPATH?token=SECRETTOKEN",
            apprise=(f"json://alertuser:hunter2pw@127.0.0.1:{port}/SECRETPATH?token=SECRETTOKEN",),
            **FAST)
        problems = alert_start(settings) + alert_finish(settings, report("failed"))
        assert len(problems) == 4
        for problem in problems:
            _assert_no_secret(problem)
            assert f"127.0.0.1:{port}/…" in problem
    # apprise's own log (which names URLs) is kept from the application's logging and the terminal.
    _assert_no_secret(caplog.text)
    out, err = capfd.readouterr()
    _assert_no_secret(out + err)


def test_apprise_tokens_in_the_host_are_not_shown():
    # apprise puts API keys where a host would be (pover://user@token): such problems show the scheme only.
    # An unknown service, so that nothing leaves this machine.
    settings = AlertSettings(apprise=("nosuchservice://alertuser@SECRETTOKENabcdefghijklmnopqrs/SECRETPATH",), **FAST)
    assert alert_finish(settings, report("failed")) == ["apprise: apprise cannot parse this URL (nosuchservice://…)"]


# -- validation -----------------------------------------------------------------------------------


def test_valid_settings_pass(server):
    validate_settings(AlertSettings())
    validate_settings(AlertSettings(healthchecks=f"https://hc-ping.com/{UUID}", webhook=f"{server.url}/hook",
                                    apprise=(f"json://127.0.0.1:{server.port}/x", "mailto://u:p@example.com")))
    assert server.requests == []  # validating sends nothing


@pytest.mark.parametrize("settings, words", [
    (AlertSettings(healthchecks=f"ftp://hc.example/{UUID}"), ["healthchecks", "http:// or https://", "ftp://hc.example/…"]),
    (AlertSettings(healthchecks=f"hc-ping.com/{UUID}"), ["healthchecks", "http:// or https://"]),
    (AlertSettings(webhook="http://alertuser:hunter2pw@/hook"), ["webhook", "http:// or https://"]),
    (AlertSettings(webhook="mailto://alertuser:hunter2pw@example.com"), ["webhook", "mailto://example.com/…"]),
    (AlertSettings(apprise=("nosuchservice://alertuser:hunter2pw@SECRETPATH.example/x?token=SECRETTOKEN",)),
     ["apprise cannot use", "nosuchservice://", "apprise --details"]),
    (AlertSettings(apprise=("not a url at all",)), ["apprise cannot use"]),
    (AlertSettings(timeout=0), ["timeout"]),
])
def test_validate_settings_errors(settings, words, caplog, capfd):
    with pytest.raises(UsageError) as raised:
        validate_settings(settings)
    message = str(raised.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    _assert_no_secret(message)
    _assert_no_secret(caplog.text)
    out, err = capfd.readouterr()
    _assert_no_secret(out + err)


# -- the report -----------------------------------------------------------------------------------


def test_summary_is_one_line():
    assert report("failed").summary() == "mvdb-nightly failed: check: leaf 3f2a… damaged"
    assert report("ok", warnings=["no backup\nfor 3 days", "b"]).summary() == (
        "mvdb-nightly ok, but no backup for 3 days (+1 more warnings)")
    bare = RunReport(job="j", status="failed", started="2024-05-01T02:00:00Z", duration=1.0, steps=[], warnings=[],
                     log_tail="", repository="")
    assert bare.summary() == "j failed"
    long = report("failed")
    long.steps[1]["error"] = "x" * 1000
    assert len(long.summary()) <= 300
