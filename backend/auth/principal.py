"""Who is calling: a plain value that services take instead of reading the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.auth.models import AGENCY_ROLES, STAFF_ROLES, Role


@dataclass(frozen=True)
class Principal:
    """A logged-in user, an API client, or nobody (`kind == "public"`)."""

    kind: str  # "user", "client" or "public"
    id: int | None = None
    role: str | None = None
    agency_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    label: str | None = None

    @property
    def is_staff(self) -> bool:
        """Any city employee."""
        return self.kind == "user" and self.role in STAFF_ROLES

    @property
    def is_agency_staff(self) -> bool:
        """An officer or agency head, bound to one agency."""
        return self.kind == "user" and self.role in AGENCY_ROLES

    @property
    def is_citizen(self) -> bool:
        """A registered complainant."""
        return self.kind == "user" and self.role == Role.CITIZEN

    @property
    def is_client(self) -> bool:
        """A third-party app."""
        return self.kind == "client"

    @property
    def sees_confidential_identity(self) -> bool:
        """Verifier, supervisor and admin may see a confidential identity (Pasal 42(5), 49)."""
        return self.kind == "user" and self.role in {Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN}

    def has(self, *roles: str) -> bool:
        """Whether this is a user with one of `roles`."""
        return self.kind == "user" and self.role in roles


PUBLIC = Principal(kind="public")
