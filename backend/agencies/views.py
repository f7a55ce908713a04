"""Agencies, areas, categories, routing rules and staff accounts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.agencies import service
from backend.agencies.models import Agency, Category
from backend.agencies.permissions import POLICY
from backend.agencies.schemas import (
    AgencyCreateSchema,
    AgencySchema,
    AgencyUpdateSchema,
    CategoryCreateSchema,
    CategorySchema,
    KecamatanSchema,
    OfficerSchema,
    RouteSchema,
    StaffCreateSchema,
    StaffQuerySchema,
    StaffUpdateSchema,
)
from backend.auth.access import authorize, current_principal
from backend.auth.models import User
from backend.auth.schemas import UserSchema
from backend.extensions import db
from backend.web.pagination import PageArgsSchema, page_body, page_schema
from backend.web.spec import Blueprint

blp = Blueprint("agencies", __name__, url_prefix="/api/v1", description="Instansi dan kategori")

ID = "<int(min=1, max=2147483647):{}>"


@blp.route("/agencies")
class Agencies(MethodView):
    """The city's agencies."""

    @blp.doc(operationId="listAgencies")
    @blp.response(200, AgencySchema(many=True))
    def get(self) -> list[Agency]:
        """List agencies with their complaint channels / Daftar instansi."""
        return service.list_agencies(session=db.session)

    @blp.doc(operationId="createAgency")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(AgencyCreateSchema)
    @blp.response(201, AgencySchema)
    def post(self, data: dict[str, Any]) -> Agency:
        """Create an agency / Tambah instansi."""
        agency = service.create_agency(session=db.session, data=data)
        db.session.commit()
        return agency


@blp.route("/agencies/" + ID.format("agency_id"))
class AgencyItem(MethodView):
    """One agency's public page."""

    @blp.doc(operationId="getAgency")
    @blp.response(200, AgencySchema)
    def get(self, agency_id: int) -> Agency:
        """An agency, its channels and the person responsible / Profil instansi."""
        return service.get_agency(session=db.session, agency_id=agency_id)

    @blp.doc(operationId="updateAgency")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(AgencyUpdateSchema)
    @blp.response(200, AgencySchema)
    def patch(self, changes: dict[str, Any], agency_id: int) -> Agency:
        """Change an agency's details / Ubah instansi."""
        agency = service.update_agency(session=db.session, agency_id=agency_id, changes=changes)
        db.session.commit()
        return agency


@blp.route("/agencies/" + ID.format("agency_id") + "/officers")
class AgencyOfficers(MethodView):
    """Who in an agency a complaint can be assigned to."""

    @blp.doc(operationId="listAgencyOfficers")
    @authorize(POLICY, "agencies.list_officers")
    @blp.response(200, OfficerSchema(many=True))
    def get(self, agency_id: int) -> list[User]:
        """Active officers and heads of an agency, to assign a complaint / Petugas instansi.

        Names and roles only. An agency head may list only their own agency's officers.
        """
        return service.assignable_officers(
            session=db.session, principal=current_principal(), agency_id=agency_id
        )


@blp.route("/categories")
class Categories(MethodView):
    """Complaint categories."""

    @blp.doc(operationId="listCategories")
    @blp.response(200, CategorySchema(many=True))
    def get(self) -> list[Category]:
        """List complaint categories / Daftar kategori."""
        return service.list_categories(session=db.session)

    @blp.doc(operationId="createCategory")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(CategoryCreateSchema)
    @blp.response(201, CategorySchema)
    def post(self, data: dict[str, Any]) -> Category:
        """Create a category / Tambah kategori."""
        category = service.create_category(session=db.session, data=data)
        db.session.commit()
        return category


@blp.route("/areas")
class Areas(MethodView):
    """Kecamatan and kelurahan."""

    @blp.doc(operationId="listAreas")
    @blp.response(200, KecamatanSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The city's kecamatan and their kelurahan / Wilayah."""
        return [
            {"code": k.code, "name": k.name, "kelurahan": names}
            for k, names in service.list_kecamatan(session=db.session)
        ]


@blp.route("/routing-rules")
class Routes(MethodView):
    """Which agency handles which category (and area)."""

    @blp.doc(operationId="listRoutingRules")
    @authorize(POLICY, "agencies.read_routes")
    @blp.response(200, RouteSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List routing rules / Aturan disposisi."""
        return service.list_routes(session=db.session)

    @blp.doc(operationId="setRoutingRule")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(RouteSchema)
    @blp.response(200, RouteSchema)
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the rule for a category and area / Atur disposisi."""
        rule = service.set_route(session=db.session, **data)
        db.session.commit()
        return {**data, "id": rule.id}


@blp.route("/routing-rules/" + ID.format("rule_id"))
class RouteItem(MethodView):
    """One routing rule."""

    @blp.doc(operationId="deleteRoutingRule")
    @authorize(POLICY, "agencies.manage")
    @blp.response(204)
    def delete(self, rule_id: int) -> None:
        """Remove a routing rule / Hapus aturan."""
        service.delete_route(session=db.session, rule_id=rule_id)
        db.session.commit()


@blp.route("/users")
class Users(MethodView):
    """Accounts (admin)."""

    @blp.doc(operationId="listUsers")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(StaffQuerySchema, location="query")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(UserSchema, "UserPageSchema"))
    def get(self, filters: dict[str, Any], paging: dict[str, Any]) -> dict[str, Any]:
        """List accounts / Daftar akun."""
        return page_body(service.list_staff(session=db.session, **filters, **paging))

    @blp.doc(operationId="createUser")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(StaffCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> User:
        """Create a staff account / Buat akun petugas."""
        user = service.create_staff(session=db.session, **data)
        db.session.commit()
        return user


@blp.route("/users/" + ID.format("user_id"))
class UserItem(MethodView):
    """One account (admin)."""

    @blp.doc(operationId="updateUser")
    @authorize(POLICY, "agencies.manage")
    @blp.arguments(StaffUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes: dict[str, Any], user_id: int) -> User:
        """Change an account: role, agency, active / Ubah akun."""
        user = service.update_staff(
            session=db.session, user_id=user_id, changes=changes, actor_id=current_principal().id
        )
        db.session.commit()
        return user
