"""The staff web console: aiohttp.web pages rendered from Jinja2 templates (autoescaped).

It needs only the database (storage's unit of work, one per request; an import runs the
import use case's own transactions, as `members import` and `cecs import` do) and never
talks to Telegram: a verdict is recorded with the same use case as `audit decide`, and the
running bot tells the member.

Security: nothing but the sign-in and enrolment pages and /static is served without a
session (GET: redirected to /signin; anything else: 401); every POST carries the
anti-forgery token (the session's, or before sign-in the one in the `staff_form` cookie)
or gets 403; cookies are HttpOnly, SameSite=Strict, and Secure when STAFF_WEB_URL is https;
every response has Content-Security-Policy, X-Content-Type-Options and X-Frame-Options.
Member data never goes in an address: searches are POSTed and a member's page is named by
an opaque reference of the session.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import segno
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from jinja2 import Environment, PackageLoader, select_autoescape

from domain import totp
from domain.audits import AuditState, Verdict
from domain.cecs import format_cecs
from domain.errors import DomainError, NotFoundError
from domain.imports import RowError, decode
from domain.money import format_usd
from domain.ports import UnitOfWork
from domain.rules import Rules
from domain.services import staff
from domain.services.imports import import_cecs, import_members
from domain.slow_work import Prepared, WorkNeeded
from domain.staff import Action, StaffAccount, new_token
from storage.database import Database
from storage.import_staging import SqliteImportStaging

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

SESSION_COOKIE = "staff_session"
FORM_COOKIE = "staff_form"  # the anti-forgery token of the forms shown before sign-in
MAX_UPLOAD = 64 * 1024 * 1024
STATIC = Path(__file__).with_name("static")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; frame-ancestors 'none';"
        " form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
PUBLIC = ("/signin", "/enrol/", "/static/")


def us_date(day: date | datetime | None) -> str:
    return f"{day:%m/%d/%Y}" if day is not None else ""


def utc_time(at: datetime | None) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if at is not None else ""


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(given, expected)


class Console:
    """The console's handlers, over one database and the rules (its clock)."""

    def __init__(self, database: Database, rules: Rules, public_url: str) -> None:
        self.database = database
        self.rules = rules
        self.public_url = public_url.rstrip("/")
        self.secure = self.public_url.startswith("https://")
        self.templates = Environment(
            loader=PackageLoader("staff_web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        self.templates.filters.update(
            us_date=us_date, utc=utc_time, cecs=format_cecs, usd=format_usd
        )

    # ---- plumbing --------------------------------------------------------------------------

    def page(self, name: str, status: int = 200, **context: Any) -> web.Response:
        text = self.templates.get_template(name).render(**context)
        return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")

    def cookie(self, response: web.StreamResponse, name: str, value: str) -> None:
        response.set_cookie(
            name, value, path="/", httponly=True, samesite="Strict", secure=self.secure
        )

    @asynccontextmanager
    async def signed_in(
        self, request: web.Request, form: Mapping[str, Any] | None = None
    ) -> AsyncIterator[tuple[UnitOfWork, staff.Who]]:
        """The request's unit of work and its signed-in staff member: the session is checked
        (and touched) in the same transaction as the work. No session: GET is sent to the
        sign-in page, anything else gets 401; a POST without the session's anti-forgery
        token gets 403. An idle session's removal is committed before the refusal."""
        refusal: web.HTTPException | None = None
        async with self.database.unit_of_work() as uow:
            who = await staff.current_staff(uow, self.rules, request.cookies.get(SESSION_COOKIE))
            if who is None:
                refusal = (
                    web.HTTPSeeOther("/signin")
                    if request.method == "GET"
                    else web.HTTPUnauthorized(text="Sign in first.")
                )
            elif request.method != "GET" and not _same(
                (form or {}).get("csrf"), who.session.csrf_token
            ):
                refusal = web.HTTPForbidden(
                    text="The form's anti-forgery token is missing or wrong."
                )
            else:
                yield uow, who
        if refusal is not None:
            raise refusal

    async def with_slow_work(self, work: Callable[[UnitOfWork, Rules], Awaitable[T]]) -> T:
        """`work` in one transaction, with argon2 done before it (domain/slow_work.py): a
        first try that needs slow work rolls back (it only read), the work runs with no
        transaction open (the one SQLite writer is not held meanwhile), then the work runs
        again and finds the result."""
        prepared = Prepared()
        rules = dataclasses.replace(self.rules, slow=prepared)
        while True:
            try:
                async with self.database.unit_of_work() as uow:
                    return await work(uow, rules)
            except WorkNeeded as needed:
                if len(prepared) > 4:
                    raise
                await prepared.do(needed)

    def form_token(self, request: web.Request) -> str:
        """The anti-forgery token of a form shown before sign-in (double-submit cookie)."""
        return request.cookies.get(FORM_COOKIE) or new_token()

    def with_form_token(self, response: web.Response, token: str) -> web.Response:
        self.cookie(response, FORM_COOKIE, token)
        return response

    @staticmethod
    def check_form_token(request: web.Request, form: Mapping[str, Any]) -> None:
        if not _same(form.get("csrf"), request.cookies.get(FORM_COOKIE, "")):
            raise web.HTTPForbidden(text="The form's anti-forgery token is missing or wrong.")

    # ---- sign-in, enrolment, sign-out ------------------------------------------------------

    async def home(self, request: web.Request) -> web.Response:
        return see_other("/audits")

    async def signin_form(self, request: web.Request) -> web.Response:
        token = self.form_token(request)
        return self.with_form_token(self.page("signin.html", csrf=token, email=""), token)

    async def signin(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.check_form_token(request, form)
        email, password, code = (str(form.get(k, "")) for k in ("email", "password", "code"))
        done = await self.with_slow_work(
            lambda uow, rules: staff.sign_in(uow, rules, email, password, code)
        )
        if isinstance(done, staff.SignInRefused):
            token = self.form_token(request)
            page = self.page("signin.html", 401, csrf=token, email=email, error=done.reason)
            return self.with_form_token(page, token)
        response = see_other("/audits")
        self.cookie(response, SESSION_COOKIE, done.token)
        return response

    async def enrol_form(self, request: web.Request) -> web.Response:
        token = self.form_token(request)
        async with self.database.unit_of_work() as uow:
            try:
                account = await staff.enrolment(uow, self.rules, request.match_info["token"])
            except NotFoundError as exc:
                return self.page("message.html", 404, title="Enrolment", message=str(exc))
        return self.with_form_token(self.enrol_page(account, token), token)

    def enrol_page(
        self, account: Any, token: str, status: int = 200, error: str | None = None
    ) -> web.Response:
        uri = totp.provisioning_uri(account.totp_secret, account.email)
        qr = segno.make(uri, error="m").svg_inline(scale=5, title="Authenticator QR code")
        secret = " ".join(
            account.totp_secret[i : i + 4] for i in range(0, len(account.totp_secret), 4)
        )
        return self.page(
            "enrol.html", status, csrf=token, account=account, qr=qr, secret=secret, error=error
        )

    async def enrol(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.check_form_token(request, form)
        link = request.match_info["token"]
        password, again, code = (str(form.get(k, "")) for k in ("password", "again", "code"))

        async def work(uow: UnitOfWork, rules: Rules) -> tuple[StaffAccount, str | None]:
            try:
                return await staff.enrol(uow, rules, link, password, again, code), None
            except NotFoundError:
                raise
            except DomainError as exc:
                return await staff.enrolment(uow, rules, link), str(exc)

        try:
            account, error = await self.with_slow_work(work)
        except NotFoundError as exc:
            return self.page("message.html", 404, title="Enrolment", message=str(exc))
        if error is not None:
            token = self.form_token(request)
            return self.with_form_token(self.enrol_page(account, token, 400, error), token)
        return self.page(
            "message.html",
            title="Enrolment",
            message="Your password and authenticator are set. Sign in now.",
            link="/signin",
        )

    async def signout(self, request: web.Request) -> web.Response:
        form = await request.post()
        async with self.signed_in(request, form) as (uow, who):
            await staff.sign_out(uow, self.rules, who)
        response = see_other("/signin")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    # ---- audits ----------------------------------------------------------------------------

    async def audits(self, request: web.Request) -> web.Response:
        text = request.query.get("page", "1")
        page = int(text) if text.isdigit() and len(text) < 7 else 1
        states = {s.value: s for s in AuditState}
        state = states.get(request.query.get("state", ""))
        async with self.signed_in(request) as (uow, who):
            listing = await staff.audit_list(uow, self.rules, page, state)
        return self.page(
            "audits.html", who=who, rows=listing.rows, listing=listing, states=list(AuditState)
        )

    async def audit(self, request: web.Request) -> web.Response:
        audit_id = int(request.match_info["id"])
        async with self.signed_in(request) as (uow, who):
            try:
                found = await staff.audit_page(uow, self.rules, audit_id)
            except NotFoundError as exc:
                return self.page("message.html", 404, who=who, title="Audit", message=str(exc))
            ref = await staff.member_ref(uow, who, found.row.acsm_id)
        return self.page("audit.html", who=who, page=found, error=None, member_ref=ref)

    async def decide(self, request: web.Request) -> web.Response:
        audit_id = int(request.match_info["id"])
        form = await request.post()
        choice = str(form.get("verdict", ""))
        verdict = {"accept": Verdict.ACCEPT, "reject": Verdict.REJECT}.get(choice)
        reason = str(form.get("reason", "")) or None
        async with self.signed_in(request, form) as (uow, who):
            try:
                if verdict is None:
                    raise DomainError("Choose Accept or Reject.")
                await staff.decide(uow, self.rules, who, audit_id, verdict, reason)
            except NotFoundError as exc:
                return self.page("message.html", 404, who=who, title="Audit", message=str(exc))
            except DomainError as exc:
                found = await staff.audit_page(uow, self.rules, audit_id)
                error = str(exc).replace(" (--reason TEXT)", "")  # the command line's wording
                return self.page(
                    "audit.html", 400, who=who, page=found, error=error, reason=reason or ""
                )
        return see_other(f"/audits/{audit_id}")

    async def file(self, request: web.Request) -> web.Response:
        proof_id = int(request.match_info["id"])
        async with self.signed_in(request) as (uow, _):
            try:
                proof, data = await staff.proof_file(uow, proof_id)
            except (NotFoundError, LookupError):
                raise web.HTTPNotFound(text="No such file.") from None
        name = f"proof-{proof_id}.{proof.extension}"
        return web.Response(
            body=data,
            content_type=proof.content_type,
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    # ---- members ---------------------------------------------------------------------------

    async def members(self, request: web.Request) -> web.Response:
        async with self.signed_in(request) as (_, who):
            pass
        return self.page("members.html", who=who, query="", hits=None)

    async def search(self, request: web.Request) -> web.Response:
        form = await request.post()
        query = " ".join(str(form.get("query", "")).split())
        async with self.signed_in(request, form) as (uow, who):
            hits = await staff.search_members(uow, who, query) if query else []
        return self.page("members.html", who=who, query=query, hits=hits)

    async def member(self, request: web.Request) -> web.Response:
        async with self.signed_in(request) as (uow, who):
            try:
                found = await staff.member_page(uow, self.rules, who, request.match_info["ref"])
            except NotFoundError as exc:
                return self.page("message.html", 404, who=who, title="Member", message=str(exc))
        return self.page("member.html", who=who, page=found)

    # ---- imports ---------------------------------------------------------------------------

    async def imports(self, request: web.Request) -> web.Response:
        async with self.signed_in(request) as (_, who):
            pass
        return self.page("imports.html", who=who, result=None)

    async def import_file(self, request: web.Request) -> web.Response:
        """Upload → dry run (nothing written); `confirm` with the same text → import. The
        file's text travels back in the confirmation form, and is checked again in full."""
        form = await request.post()
        async with self.signed_in(request, form) as (_, who):
            pass
        kind = str(form.get("kind", ""))
        confirm = form.get("confirm") == "yes"
        upload = form.get("file")
        try:
            if confirm:
                text = str(form.get("text", ""))
            elif isinstance(upload, web.FileField):
                text = decode(upload.file.read())
            else:
                raise RowError("Choose a CSV file to upload.")
            if kind not in ("members", "cecs"):
                raise RowError("Choose what the file holds: members or CECs.")
            as_of = self.as_of(str(form.get("as_of", "")))
        except RowError as exc:
            return self.page("imports.html", 400, who=who, result=None, error=str(exc))
        result = await self.run_import(kind, text, as_of, dry_run=not confirm)
        if confirm and not result["errors"]:
            async with self.database.unit_of_work() as uow:
                await staff.record(uow, self.rules, who.account, Action.IMPORT, result["summary"])
        status = 400 if result["errors"] else 200
        return self.page(
            "imports.html",
            status,
            who=who,
            result=result,
            kind=kind,
            text=text,
            confirmed=confirm,
            as_of_text=str(form.get("as_of", "")),
        )

    def as_of(self, text: str) -> datetime:
        """The date of the file's data (start of that day in ACSM's zone); empty: now."""
        if not text.strip():
            return self.rules.clock.now()
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise RowError(f"{text[:20]!r} is not a date (YYYY-MM-DD)") from None
        return datetime.combine(day, time(0), self.rules.timezone).astimezone(UTC)

    async def run_import(
        self, kind: str, text: str, as_of: datetime, *, dry_run: bool
    ) -> dict[str, Any]:
        now = self.rules.clock.now()
        verb = "would import" if dry_run else "imported"
        if kind == "members":
            done = await import_members(
                self.database.unit_of_work,
                self.rules.catalog,
                text,
                now=now,
                as_of=as_of,
                dry_run=dry_run,
            )
            summary = (
                f"members: {verb} {len(done.members)} members ({done.new_members} new,"
                f" {done.changed_members} changed), {len(done.certifications)} certifications"
                f" ({done.new_certifications} new, {done.changed_certifications} changed)"
            )
            return {
                "errors": done.errors,
                "lines": [*done.changes, *done.kept, *done.voided],
                "summary": summary,
            }
        errors: list[str] = []
        lines: list[str] = []
        with SqliteImportStaging() as staging:
            counts = await import_cecs(
                self.database.unit_of_work,
                text.splitlines(keepends=True),
                staging,
                now=now,
                timezone=self.rules.timezone,
                dry_run=dry_run,
                on_bad_row=errors.append,
                on_updated=lines.append,
            )
        summary = (
            f"CECs: {verb} {counts.activities} CEC activities ({counts.new_activities} new,"
            f" {counts.updated} updated, {counts.unchanged} already recorded)"
        )
        return {"errors": errors, "lines": lines, "summary": summary}

    # ---- the activity log and staff --------------------------------------------------------

    async def activity(self, request: web.Request) -> web.Response:
        async with self.signed_in(request) as (uow, who):
            entries = await staff.activity(uow)
        return self.page("activity.html", who=who, entries=entries)

    async def staff_form(self, request: web.Request) -> web.Response:
        async with self.signed_in(request) as (_, who):
            pass
        return self.page("staff.html", who=who, link=None)

    async def add_staff(self, request: web.Request) -> web.Response:
        form = await request.post()
        async with self.signed_in(request, form) as (uow, who):
            try:
                new = await staff.add_staff(
                    uow,
                    self.rules,
                    str(form.get("email", "")),
                    admin=form.get("admin") == "yes",
                    by=who.account,
                )
            except DomainError as exc:
                return self.page("staff.html", 400, who=who, link=None, error=str(exc))
        link = f"{self.public_url}/enrol/{new.enrol_token}"
        return self.page("staff.html", who=who, link=link, added=new.account.email)


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


def make_app(database: Database, rules: Rules, public_url: str) -> web.Application:
    console = Console(database, rules, public_url)
    app = web.Application(middlewares=[security_headers], client_max_size=MAX_UPLOAD)
    app.router.add_get("/", console.home)
    app.router.add_get("/signin", console.signin_form)
    app.router.add_post("/signin", console.signin)
    app.router.add_get("/enrol/{token}", console.enrol_form)
    app.router.add_post("/enrol/{token}", console.enrol)
    app.router.add_post("/signout", console.signout)
    app.router.add_get("/audits", console.audits)
    app.router.add_get(r"/audits/{id:\d{1,9}}", console.audit)
    app.router.add_post(r"/audits/{id:\d{1,9}}/decide", console.decide)
    app.router.add_get(r"/files/{id:\d{1,9}}", console.file)
    app.router.add_get("/members", console.members)
    app.router.add_post("/members", console.search)
    app.router.add_get("/members/{ref}", console.member)
    app.router.add_get("/imports", console.imports)
    app.router.add_post("/imports", console.import_file)
    app.router.add_get("/activity", console.activity)
    app.router.add_get("/staff", console.staff_form)
    app.router.add_post("/staff", console.add_staff)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app


class MaskedAccessLogger(AbstractAccessLogger):
    """One line per request, without the enrolment link's token."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.path
        if path.startswith("/enrol/"):
            path = "/enrol/…"
        self.logger.info(
            "%s %s %s %s %.3fs", request.remote, request.method, path, response.status, time
        )


def serve(settings: Settings) -> None:
    """`acsm-bot staff web`: serve until interrupted."""
    from bot.app import make_rules

    async def app() -> web.Application:
        database = Database(settings.database_url)
        application = make_app(database, make_rules(settings), settings.staff_web_url)

        async def close(_: web.Application) -> None:
            await database.dispose()

        application.on_cleanup.append(close)
        return application

    print(
        f"staff console on http://{settings.staff_web_listen}:{settings.staff_web_port}"
        f" (public address {settings.staff_web_url})",
        flush=True,
    )
    web.run_app(
        app(),
        host=settings.staff_web_listen,
        port=settings.staff_web_port,
        access_log_class=MaskedAccessLogger,
        access_log=logging.getLogger("staff_web.access"),  # aiohttp.access is kept quiet
        print=None,
    )


__all__ = ["Console", "make_app", "serve"]
