"""Database foundations: the declarative base, column types and the pagination helper."""

from backend.db.base import Base, now_utc
from backend.db.pagination import Page, paginate

__all__ = ["Base", "Page", "now_utc", "paginate"]
