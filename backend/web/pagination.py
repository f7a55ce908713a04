"""The `{"items": [...], "pagination": {...}}` envelope of every list."""

from __future__ import annotations

from typing import Any

import marshmallow as ma


class PaginationSchema(ma.Schema):
    """Where a page sits in the whole list."""

    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)
    total_exact = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "False when the count stopped ten pages past this page's start: "
            "`total` (and `pages`) are then floors, there are more."
        },
    )


class PageArgsSchema(ma.Schema):
    """Query parameters of every list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The `{"items": [...], "pagination": {...}}` envelope for `item_schema`."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "pagination": ma.fields.Nested(PaginationSchema, required=True),
            "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')}.",
        },
    )


def page_body(page: Any) -> dict[str, Any]:
    """The envelope of a `backend.db.Page`."""
    return {
        "items": page.items,
        "pagination": {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
            "total_exact": getattr(page, "total_exact", True),
        },
    }
