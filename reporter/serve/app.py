"""The review page as a Starlette app: one page, two write endpoints, static files shipped in the package.

Security, because the page can write files on the editor's machine:

* Every request must name this server in `Host` (127.0.0.1/localhost/[::1] or the bound host, with our
  port): a page on another site that re-points its DNS name at 127.0.0.1 (DNS rebinding) gets 403.
* A write needs the page's anti-CSRF token in `X-CSRF-Token` (random per server start, compared in
  constant time), a JSON body, and no foreign `Origin` or cross-site `Sec-Fetch-Site`; else 403 and
  nothing is written.
* Every response carries a Content-Security-Policy that allows only our own script file (no inline
  script, no eval, nothing remote), and the template escapes all text, so article text and notes
  never become active content.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reporter.errors import ReporterError
from reporter.models import Brief, Discrepancy, ReviewStatus
from reporter.render import ORIGIN_TEXT
from reporter.review import STATUSES, apply_reviews, record_decision, review_summary_line, status_of
from reporter.review_cli import load_brief, refresh_briefing
from reporter.serve import page

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
MAX_BODY = 64_000  # a decision is a few hundred bytes; notes are capped below
MAX_NOTE_CHARS = 5_000
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")  # names a browser on this machine may use for us


class ReviewServer:
    """State shared by the routes: the briefing folder, who decides, the token, the allowed hosts."""

    def __init__(self, out_dir: Path, host: str, port: int, reviewer: str | None,
                 hide_dismissed: bool | None = None) -> None:
        self.out_dir = out_dir
        self.reviewer = reviewer
        self.hide_dismissed = hide_dismissed
        self.token = secrets.token_urlsafe(32)
        self.lock = threading.Lock()  # one decision and its re-render at a time in this process
        self.set_address(host, port)

    def set_address(self, host: str, port: int) -> None:
        """Hosts and origins the browser may use to reach us (known once the socket is bound)."""
        names = {host if ":" not in host else f"[{host}]", *LOOPBACK}
        self.port = port
        self.hosts = {f"{n}:{port}" for n in names}
        # Bound beyond loopback (--host 0.0.0.0, a LAN address): colleagues reach us by IP address. An IP
        # literal can't be re-pointed by DNS, so accepting any is safe against rebinding; names stay refused.
        self.any_ip = host not in ("127.0.0.1", "localhost", "::1")

    def host_allowed(self, value: str) -> bool:
        """Whether a request's Host header names this server (see the module docstring)."""
        if value in self.hosts:
            return True
        if not self.any_ip:
            return False
        name, _, port = value.rpartition(":")
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False
        return port == str(self.port)

    def brief(self) -> Brief:
        return apply_reviews(load_brief(self.out_dir), self.out_dir)


def _refuse(reason: str) -> PlainTextResponse:
    return PlainTextResponse(f"Forbidden: {reason}\n", status_code=403, headers=SECURITY_HEADERS)


def write_guard(server: ReviewServer, request: Request) -> str | None:
    """Why a state-changing request must be refused, or None when it may proceed."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"http://{request.headers.get('host', '')}":  # the Host is checked already
        return "foreign Origin"
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return "cross-site request"
    token = request.headers.get("x-csrf-token", "")
    if not hmac.compare_digest(token.encode(), server.token.encode()):
        return "missing or wrong anti-CSRF token"
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return "the body must be JSON"
    return None


def _flag_json(flag: Discrepancy) -> dict[str, Any]:
    review = flag.review
    return {"id": flag.id, "status": status_of(flag), "note": review.note if review else None,
            "correction": review.correction if review else None, "reviewer": review.reviewer if review else None,
            "decided_at": review.decided_at if review else None}


def _text_field(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value[:MAX_NOTE_CHARS]


def create_app(server: ReviewServer) -> Starlette:
    env = Environment(loader=PackageLoader("reporter.serve", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    template = env.get_template("page.html")
    error_page = env.get_template("error.html")

    def decide(select: Callable[[Brief], list[str]], status: ReviewStatus | None, note: str | None,
               correction: str | None) -> tuple[list[Discrepancy], str]:
        """Under the lock: pick the flags from the current briefing, record, re-render, return them fresh."""
        with server.lock:
            brief = server.brief()
            by_id = {f.id: f for f in brief.discrepancies}
            flag_ids = select(brief)
            missing = [i for i in flag_ids if i not in by_id]
            if missing:
                raise LookupError(f"no such flag: {missing[0]}")
            for flag_id in flag_ids:
                flag = by_id[flag_id]
                record_decision(server.out_dir, flag, status or status_of(flag), note=note, correction=correction,
                                reviewer=server.reviewer)
            if flag_ids:
                refresh_briefing(server.out_dir, server.hide_dismissed)
            fresh = server.brief()
            fresh_by_id = {f.id: f for f in fresh.discrepancies}
            return [fresh_by_id[i] for i in flag_ids], review_summary_line(fresh)

    async def index(request: Request) -> Response:
        try:
            brief = await run_in_threadpool(server.brief)
        except ReporterError as exc:  # e.g. a damaged review.json: say so, as the CLI would, and touch nothing
            return HTMLResponse(error_page.render(message=str(exc)), status_code=409, headers=SECURITY_HEADERS)
        html = template.render(view=page.build(brief), token=server.token, statuses=STATUSES, origins=ORIGIN_TEXT)
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    async def read_json(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ValueError("request too large")
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body

    def write_endpoint(parse: Callable[[dict], tuple]) -> Callable[[Request], Awaitable[Response]]:
        """A POST route: the guards, then `parse(body)` -> decide()'s arguments, then the flags as JSON."""
        async def endpoint(request: Request) -> Response:
            if reason := write_guard(server, request):
                return _refuse(reason)
            try:
                args = parse(await read_json(request))
                flags, summary = await run_in_threadpool(decide, *args)
            except (ValueError, LookupError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400, headers=SECURITY_HEADERS)
            except ReporterError as exc:  # a damaged review.json, a lock held too long: nothing was written
                return JSONResponse({"error": str(exc)}, status_code=409, headers=SECURITY_HEADERS)
            return JSONResponse({"flags": [_flag_json(f) for f in flags], "summary": summary},
                                headers=SECURITY_HEADERS)

        return endpoint

    def one_decision(body: dict) -> tuple:
        flag_id, status = body.get("id"), body.get("status")
        if not isinstance(flag_id, str) or (status is not None and status not in STATUSES):
            raise ValueError("expected {id, status?, note?, correction?} with a known status")
        return lambda _brief: [flag_id], status, _text_field(body, "note"), _text_field(body, "correction")

    def bulk_dismissal(body: dict) -> tuple:
        """Dismiss every open flag of one kind with evidence in one source (decided flags stay as they are)."""
        kind, source_id = body.get("kind"), body.get("source_id")
        if not isinstance(kind, str) or not isinstance(source_id, str):
            raise ValueError("expected {kind, source_id}")

        def select(brief: Brief) -> list[str]:
            return [f.id for f in brief.discrepancies if f.kind == kind and status_of(f) == "open"
                    and any(e.source_id == source_id for e in f.evidence)]

        return select, "dismissed", None, None

    static = StaticFiles(packages=[("reporter.serve", "static")])
    app = Starlette(routes=[
        Route("/", index),
        Route("/api/decision", write_endpoint(one_decision), methods=["POST"]),
        Route("/api/bulk", write_endpoint(bulk_dismissal), methods=["POST"]),
        Mount("/static", app=static, name="static"),
    ], middleware=[Middleware(GuardMiddleware, server=server)])
    return app


class GuardMiddleware:
    """Refuse a foreign Host before anything runs (DNS rebinding); add the security headers to every reply."""

    def __init__(self, app: ASGIApp, server: ReviewServer) -> None:
        self.app, self.server = app, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if not self.server.host_allowed(host):
            await _refuse("unknown Host")(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
