"""Roles, and the sets of them that rules speak of: each set is defined here only."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a user is (ARCHITECTURE.md, People and what they may see)."""

    CITIZEN = "citizen"
    OFFICER = "officer"
    AGENCY_HEAD = "agency_head"
    VERIFIER = "verifier"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    DPO = "dpo"  # Petugas Pelindungan Data / data protection officer (UU 27/2022 Pasal 53)


EVERY_ROLE = frozenset(Role)
STAFF = frozenset(role for role in Role if role is not Role.CITIZEN)
# bound to one agency
AGENCY_STAFF = frozenset({Role.OFFICER, Role.AGENCY_HEAD})
# the city-wide roles: they see every complaint and every agency
CITY_WIDE = frozenset({Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN})
# who may see a confidential identity (Pasal 42(5), 49)
SEES_CONFIDENTIAL = CITY_WIDE
# staff who work cases (supervisors and admins read them; they do not handle them)
HANDLERS = frozenset({Role.OFFICER, Role.AGENCY_HEAD, Role.VERIFIER})
# who reads the breach reports
REPORT_READERS = frozenset({Role.SUPERVISOR, Role.VERIFIER, Role.ADMIN, Role.AGENCY_HEAD})
ADMINS = frozenset({Role.ADMIN})
# who works the data-subject requests' queue and sets legal holds (UU 27/2022)
DATA_PROTECTION = frozenset({Role.DPO, Role.ADMIN})
