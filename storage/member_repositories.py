"""Members, their certifications and their ACSM-recorded CEC activities (domain.ports
MemberRepository, CertificationRepository, CecRepository), in Core on the unit of work's
connection."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import CecActivity, Certification, Member
from domain.tracker import LoggedActivity
from storage.cycle_invoices import CycleInvoices
from storage.orm import (
    LINE_IS_LIVE,
    CecActivityRow,
    CertificationRow,
    CprAedCardRow,
    InvoiceLineRow,
    MemberRow,
    UtcDateTime,
    table,
)
from storage.statements import (
    batches,
    execute_many,
    for_dialect,
    from_halves,
    halves,
    in_list,
    member_window,
    of_dialect,
    rows_for,
    upsert,
)
from storage.tracker_repositories import LOGGED, logged_of

MEMBERS = table(MemberRow)
CERTIFICATIONS = table(CertificationRow)
RECORDED = table(CecActivityRow)
LINES = table(InvoiceLineRow)
_CARDS = table(CprAedCardRow)


def member_of(row: Any) -> Member:
    return Member(
        acsm_id=row.acsm_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        cpr_aed_expires=row.cpr_aed_expires,
        username=row.username,
        password_hash=row.password_hash,
        credentials_version=row.credentials_version,
        contact_changed_at=row.contact_changed_at,
    )


def certification_of(row: Any, prefix: str = "") -> Certification:
    """The certification of a row of its columns (named `prefix` + the column's name)."""
    return Certification(
        acsm_id=getattr(row, prefix + "acsm_id"),
        code=getattr(row, prefix + "code"),
        effective_date=getattr(row, prefix + "effective_date"),
        thru_date=getattr(row, prefix + "thru_date"),
        id=getattr(row, prefix + "id"),
    )


def recorded_of(row: Any) -> CecActivity:
    return CecActivity(
        row.acsm_id, row.completed_on, row.title, row.provider, from_halves(row.half_cecs), row.id
    )


# ---- members -------------------------------------------------------------------------------

_MEMBER = select(*MEMBERS.c).where(MEMBERS.c.acsm_id == bindparam("acsm_id"))
_MEMBER_BY_USERNAME = select(*MEMBERS.c).where(MEMBERS.c.username == bindparam("username"))
_MEMBERS_IN = select(*MEMBERS.c).where(in_list(MEMBERS.c.acsm_id))
_MEMBER_IDS_IN = select(MEMBERS.c.acsm_id).where(in_list(MEMBERS.c.acsm_id))
_MEMBER_COUNT = select(func.count()).select_from(MEMBERS)
_SAVE_MEMBER = upsert(MEMBERS, ["acsm_id"])

_IMPORTED = ("first_name", "last_name", "email", "phone", "cpr_aed_expires")
_CONTACT = ("email", "phone")


def _import_members(keep_newer_contact: bool) -> dict[str, Any]:
    """Members by acsm_id, imported fields updated (credentials kept). Keeping a newer
    contact: email and phone stay when contact_changed_at >= :since, and the CPR/AED expiry
    stays when the member gave a card in the chat at or after :since (in the statement, so a
    change committed while the import runs is kept too)."""

    def build(insert: Any) -> Any:
        stmt = insert(MEMBERS)
        updates: dict[str, Any] = {c: stmt.excluded[c] for c in _IMPORTED}
        if keep_newer_contact:
            since = bindparam("since", type_=UtcDateTime())
            chat_newer = MEMBERS.c.contact_changed_at >= since
            for c in _CONTACT:
                updates[c] = case((chat_newer, MEMBERS.c[c]), else_=stmt.excluded[c])
            card_newer = exists().where(
                _CARDS.c.acsm_id == MEMBERS.c.acsm_id, _CARDS.c.uploaded_at >= since
            )
            updates["cpr_aed_expires"] = case(
                (card_newer, MEMBERS.c.cpr_aed_expires), else_=stmt.excluded.cpr_aed_expires
            )
        return stmt.on_conflict_do_update(index_elements=["acsm_id"], set_=updates)

    return for_dialect(build)


_IMPORT_MEMBERS = {False: _import_members(False), True: _import_members(True)}
_IMPORT_CERTIFICATIONS = for_dialect(
    lambda insert: (stmt := insert(CERTIFICATIONS)).on_conflict_do_update(
        index_elements=["acsm_id", "code"],
        set_={c: stmt.excluded[c] for c in ("effective_date", "thru_date")},
    )
)


class SqlMemberRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, acsm_id: str) -> Member | None:
        row = (await self.connection.execute(_MEMBER, {"acsm_id": acsm_id})).first()
        return member_of(row) if row else None

    async def get_by_username(self, username: str) -> Member | None:
        result = await self.connection.execute(_MEMBER_BY_USERNAME, {"username": username.lower()})
        row = result.first()
        return member_of(row) if row else None

    async def save(self, member: Member) -> None:
        await self.connection.execute(
            of_dialect(self.connection, _SAVE_MEMBER),
            {
                "acsm_id": member.acsm_id,
                "first_name": member.first_name,
                "last_name": member.last_name,
                "email": member.email,
                "phone": member.phone,
                "cpr_aed_expires": member.cpr_aed_expires,
                "username": member.username.lower() if member.username else None,
                "password_hash": member.password_hash,
                "credentials_version": member.credentials_version,
                "contact_changed_at": member.contact_changed_at,
            },
        )

    async def get_many(self, acsm_ids: Sequence[str]) -> dict[str, Member]:
        rows = await rows_for(self.connection, _MEMBERS_IN, acsm_ids)
        return {r.acsm_id: member_of(r) for r in rows}

    async def upsert_many(
        self,
        members: Sequence[Member],
        certifications: Sequence[Certification],
        *,
        keep_contact_changed_since: datetime | None = None,
    ) -> None:
        """Members by acsm_id (username, password and sessions kept), certifications by
        (acsm_id, code); executemany in batches with the dialect's ON CONFLICT DO UPDATE.
        A contact changed in the chat at or after `keep_contact_changed_since` is kept by the
        statement itself, so a change committed while the import runs is not lost either."""
        keep = keep_contact_changed_since is not None
        since = {"since": keep_contact_changed_since} if keep else {}
        member_rows = [
            {
                "acsm_id": m.acsm_id,
                "first_name": m.first_name,
                "last_name": m.last_name,
                "email": m.email,
                "phone": m.phone,
                "cpr_aed_expires": m.cpr_aed_expires,
                "credentials_version": 0,
                **since,
            }
            for m in members
        ]
        statement = of_dialect(self.connection, _IMPORT_MEMBERS[keep])
        await execute_many(self.connection, statement, member_rows)
        cert_rows = [
            {
                "acsm_id": c.acsm_id,
                "code": c.code,
                "effective_date": c.effective_date,
                "thru_date": c.thru_date,
            }
            for c in certifications
        ]
        statement = of_dialect(self.connection, _IMPORT_CERTIFICATIONS)
        await execute_many(self.connection, statement, cert_rows)

    async def count(self) -> int:
        return int(await self.connection.scalar(_MEMBER_COUNT) or 0)

    async def existing_ids(self, acsm_ids: Sequence[str]) -> set[str]:
        return {r.acsm_id for r in await rows_for(self.connection, _MEMBER_IDS_IN, acsm_ids)}


# ---- certifications --------------------------------------------------------------------

# With each certification, the invoice renewing its current cycle, if any (the partial unique
# key on (certification_id, cycle_thru) allows one line not voided): the invoice repository
# then knows (cycle_invoices).
_MEMBERS_CERTIFICATIONS = (
    select(*CERTIFICATIONS.c, LINES.c.invoice_number.label("cycle_invoice"))
    .select_from(
        CERTIFICATIONS.outerjoin(
            LINES,
            and_(
                LINES.c.certification_id == CERTIFICATIONS.c.id,
                LINES.c.cycle_thru == CERTIFICATIONS.c.thru_date,
                LINE_IS_LIVE,
            ),
        )
    )
    .where(CERTIFICATIONS.c.acsm_id == bindparam("acsm_id"))
    .order_by(CERTIFICATIONS.c.id)
)
_CERTIFICATIONS_IN = (
    select(*CERTIFICATIONS.c).where(in_list(CERTIFICATIONS.c.acsm_id)).order_by(CERTIFICATIONS.c.id)
)
_CERTIFICATION = select(*CERTIFICATIONS.c).where(CERTIFICATIONS.c.id == bindparam("id"))
_FIELDS = ("acsm_id", "code", "effective_date", "thru_date")
_ADD_CERTIFICATION = CERTIFICATIONS.insert().returning(CERTIFICATIONS.c.id)
_ADD_CERTIFICATION_WITH_ID = CERTIFICATIONS.insert()
_UPDATE_CERTIFICATION = update(CERTIFICATIONS).where(
    CERTIFICATIONS.c.id == bindparam("certification_id")
)  # SET: the columns given


class SqlCertificationRepository:
    def __init__(self, connection: AsyncConnection, cycle_invoices: CycleInvoices) -> None:
        self.connection = connection
        self.cycle_invoices = cycle_invoices

    async def for_member(self, acsm_id: str) -> list[Certification]:
        result = await self.connection.execute(_MEMBERS_CERTIFICATIONS, {"acsm_id": acsm_id})
        found = []
        for row in result:
            self.cycle_invoices.learn((row.id, row.thru_date), row.cycle_invoice)
            found.append(certification_of(row))
        return found

    async def for_members(self, acsm_ids: Sequence[str]) -> list[Certification]:
        rows = await rows_for(self.connection, _CERTIFICATIONS_IN, acsm_ids)
        return [certification_of(r) for r in rows]

    async def get(self, certification_id: int) -> Certification | None:
        row = (await self.connection.execute(_CERTIFICATION, {"id": certification_id})).first()
        return certification_of(row) if row else None

    async def save(self, certification: Certification) -> None:
        """Insert (assigning the id), or update by id (inserted with it if there is none)."""
        fields = {c: getattr(certification, c) for c in _FIELDS}
        if certification.id is None:
            result = await self.connection.execute(_ADD_CERTIFICATION, fields)
            certification.id = int(result.scalar_one())
            return
        result = await self.connection.execute(
            _UPDATE_CERTIFICATION, {"certification_id": certification.id, **fields}
        )
        if result.rowcount == 0:
            await self.connection.execute(
                _ADD_CERTIFICATION_WITH_ID, {"id": certification.id, **fields}
            )


# ---- ACSM-recorded CEC activities ----------------------------------------------------------

_MEMBERS_RECORDED = member_window(RECORDED)
# A window's logged activities and then its recorded ones, in one statement (the columns of
# the logged table; a recorded row has no organization, logged_at, proof or link).
_LOGGED_THEN_RECORDED = union_all(
    select(literal(True).label("logged"), *LOGGED.c).where(
        LOGGED.c.acsm_id == bindparam("acsm_id"),
        LOGGED.c.completed_on >= bindparam("since"),
        LOGGED.c.completed_on <= bindparam("until"),
    ),
    select(
        literal(False).label("logged"),
        *(RECORDED.c[c.name] if c.name in RECORDED.c else null().label(c.name) for c in LOGGED.c),
    ).where(
        RECORDED.c.acsm_id == bindparam("acsm_id"),
        RECORDED.c.completed_on >= bindparam("since"),
        RECORDED.c.completed_on <= bindparam("until"),
    ),
)
_WINDOW_CECS = _LOGGED_THEN_RECORDED.order_by(text("logged"), text("completed_on"), text("id"))
_RECORDED = select(*RECORDED.c).where(RECORDED.c.id == bindparam("activity_id"))
_RECORDED_IN = select(*RECORDED.c).where(in_list(RECORDED.c.acsm_id)).order_by(RECORDED.c.id)
_KEY = (RECORDED.c.acsm_id, RECORDED.c.completed_on, RECORDED.c.title, RECORDED.c.provider)
_KEY_BATCH = 200  # keys per statement (4 parameters each)
# SQLite: `(a, b, c, d) IN (VALUES …)` scans the table (no index for a row-value IN list);
# one equality per column, OR-ed key by key, uses the unique key's index. Built once for
# _KEY_BATCH keys (a short batch repeats its last key). PostgreSQL plans such an OR anew
# each time, slowly: there the keys go as four arrays, joined (_RECORDED_KEYS_PG).
_RECORDED_KEYS = select(*_KEY, RECORDED.c.half_cecs).where(
    or_(
        *(
            and_(*(column == bindparam(f"k{i}_{c}") for c, column in enumerate(_KEY)))
            for i in range(_KEY_BATCH)
        )
    )
)
_RECORDED_KEYS_PG = text(
    "SELECT r.acsm_id, r.completed_on, r.title, r.provider, r.half_cecs FROM cec_activities r"
    " JOIN unnest(CAST(:ids AS text[]), CAST(:days AS date[]), CAST(:titles AS text[]),"
    " CAST(:providers AS text[])) AS k (acsm_id, completed_on, title, provider)"
    " ON r.acsm_id = k.acsm_id AND r.completed_on = k.completed_on AND r.title = k.title"
    " AND r.provider = k.provider"
)
_IMPORT_RECORDED = for_dialect(
    lambda insert: (stmt := insert(RECORDED)).on_conflict_do_update(
        index_elements=["acsm_id", "completed_on", "title", "provider"],
        set_={"half_cecs": stmt.excluded.half_cecs},
    )
)


class SqlCecRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def for_member(self, acsm_id: str, since: date, until: date) -> list[CecActivity]:
        result = await self.connection.execute(
            _MEMBERS_RECORDED, {"acsm_id": acsm_id, "since": since, "until": until}
        )
        return [recorded_of(r) for r in result]

    async def with_logged(
        self, acsm_id: str, since: date, until: date
    ) -> tuple[list[CecActivity], list[LoggedActivity]]:
        params = {"acsm_id": acsm_id, "since": since, "until": until}
        recorded: list[CecActivity] = []
        logged: list[LoggedActivity] = []
        for row in await self.connection.execute(_WINDOW_CECS, params):
            if row.logged:
                logged.append(logged_of(row))
            else:
                recorded.append(recorded_of(row))
        return recorded, logged

    async def for_members(self, acsm_ids: Sequence[str]) -> list[CecActivity]:
        return [recorded_of(r) for r in await rows_for(self.connection, _RECORDED_IN, acsm_ids)]

    async def get(self, activity_id: int) -> CecActivity | None:
        row = (await self.connection.execute(_RECORDED, {"activity_id": activity_id})).first()
        return recorded_of(row) if row else None

    async def cecs_of(
        self, keys: Collection[tuple[str, date, str, str]]
    ) -> dict[tuple[str, date, str, str], Decimal]:
        found: dict[tuple[str, date, str, str], Decimal] = {}
        if self.connection.dialect.name == "postgresql":
            wanted = list(keys)
            result = await self.connection.execute(
                _RECORDED_KEYS_PG,
                {
                    "ids": [k[0] for k in wanted],
                    "days": [k[1] for k in wanted],
                    "titles": [k[2] for k in wanted],
                    "providers": [k[3] for k in wanted],
                },
            )
            for row in result:
                key = (row.acsm_id, row.completed_on, row.title, row.provider)
                found[key] = from_halves(row.half_cecs)
            return found
        for batch in batches(list(keys), _KEY_BATCH):
            padded = [*batch, *[batch[-1]] * (_KEY_BATCH - len(batch))]
            params = {f"k{i}_{c}": v for i, key in enumerate(padded) for c, v in enumerate(key)}
            result = await self.connection.execute(_RECORDED_KEYS, params)
            for row in result:
                key = (row.acsm_id, row.completed_on, row.title, row.provider)
                found[key] = from_halves(row.half_cecs)
        return found

    async def add_many(self, activities: Sequence[CecActivity]) -> None:
        """Insert, or update the CECs of the activity with the same key (a correction): the
        same activity imported twice counts once."""
        rows = [
            {
                "acsm_id": a.acsm_id,
                "completed_on": a.completed_on,
                "title": a.title,
                "provider": a.provider,
                "half_cecs": halves(a.cecs),
            }
            for a in activities
        ]
        await execute_many(self.connection, of_dialect(self.connection, _IMPORT_RECORDED), rows)
