"""The certification catalog: what each certification requires and costs.

Defaults ship in `catalog.toml` beside this module; staff override them with
their own file (setting ACSM_CATALOG_FILE) without touching code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from domain.money import dollars_to_cents
from domain.reminders import ReminderSchedule


class UnknownCertificationError(LookupError):
    pass


@dataclass(frozen=True)
class CertificationType:
    code: str
    name: str
    cecs_required: Decimal
    fee_cents: int


@dataclass(frozen=True)
class Catalog:
    types: tuple[CertificationType, ...]
    late_fee_cents: int
    additional_certification_fee_cents: int
    reminders: ReminderSchedule = field(default_factory=ReminderSchedule.default)

    def get(self, code: str) -> CertificationType:
        for cert_type in self.types:
            if cert_type.code == code:
                return cert_type
        raise UnknownCertificationError(code)

    def lookup(self, code_or_name: str) -> CertificationType:
        """By code or full name, case-insensitive, surrounding spaces ignored."""
        wanted = " ".join(code_or_name.split()).casefold()
        for cert_type in self.types:
            if wanted in (cert_type.code.casefold(), cert_type.name.casefold()):
                return cert_type
        raise UnknownCertificationError(code_or_name)

    @classmethod
    def from_toml(cls, text: str) -> Catalog:
        data = tomllib.loads(text)
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Catalog:
        certs = data.get("certifications")
        if not isinstance(certs, dict) or not certs:
            raise ValueError("catalog: no [certifications.CODE] tables")
        types = []
        for code, entry in certs.items():
            cecs_text = str(entry["cecs"])
            if not cecs_text.isascii():  # Decimal() would read '４５': ASCII digits only
                raise ValueError(f"catalog: {code}: cecs must be a number")
            cecs = Decimal(cecs_text)
            if cecs <= 0 or (cecs * 2) != (cecs * 2).to_integral_value():
                raise ValueError(f"catalog: {code}: cecs must be positive, in steps of 0.5")
            types.append(
                CertificationType(
                    code=str(code).upper(),
                    name=str(entry["name"]),
                    cecs_required=cecs,
                    fee_cents=dollars_to_cents(str(entry["fee"])),
                )
            )
        return cls(
            types=tuple(types),
            late_fee_cents=dollars_to_cents(str(data.get("late_fee", "80.00"))),
            additional_certification_fee_cents=dollars_to_cents(
                str(data.get("additional_certification_fee", "5.00"))
            ),
            reminders=ReminderSchedule.from_mapping(data.get("reminders")),
        )

    @classmethod
    def default(cls) -> Catalog:
        text = resources.files("domain").joinpath("catalog.toml").read_text("utf-8")
        return cls.from_toml(text)

    @classmethod
    def load(cls, path: Path | None) -> Catalog:
        """The staff's file when given, else the shipped defaults."""
        if path is None:
            return cls.default()
        return cls.from_toml(path.read_text("utf-8"))
