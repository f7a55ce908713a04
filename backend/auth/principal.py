"""Who is calling: a plain value that services take instead of reading the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.auth.roles import AGENCY_STAFF, STAFF, Role


@dataclass(frozen=True)
class Principal:
    """A logged-in user, an API client, the holder of a code and PIN, or nobody (`public`)."""

    kind: str  # "user", "client", "tracker" (code and PIN of complaint `id`) or "public"
    id: int | None = None
    role: str | None = None
    agency_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    label: str | None = None

    @property
    def is_staff(self) -> bool:
        """Any city employee."""
        return self.kind == "user" and self.role in STAFF

    @property
    def is_agency_staff(self) -> bool:
        """An officer or agency head, bound to one agency."""
        return self.kind == "user" and self.role in AGENCY_STAFF

    @property
    def is_citizen(self) -> bool:
        """A registered complainant."""
        return self.kind == "user" and self.role == Role.CITIZEN

    @property
    def is_client(self) -> bool:
        """A third-party app."""
        return self.kind == "client"

    @property
    def is_tracker(self) -> bool:
        """The holder of a complaint's tracking code and PIN (no account)."""
        return self.kind == "tracker"

    @classmethod
    def tracker(cls, complaint_id: int) -> Principal:
        """Whoever just gave the code and PIN of complaint `complaint_id`."""
        return cls(kind="tracker", id=complaint_id, label="Pelapor")

    def has(self, *roles: str) -> bool:
        """Whether this is a user with one of `roles`."""
        return self.kind == "user" and self.role in roles


PUBLIC = Principal(kind="public")
