"""/scim/v2: Users, Groups and the discovery endpoints, for the identity provider (bearer token, scope scim).

Views parse the request with scim2-models, call one service, commit once and answer application/scim+json.
A browser session never reaches these views: ess.tokens.auth answers 401 to any request without a token.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, json, request, url_for
from pydantic import ValidationError
from scim2_models import (
    Context, Error, InvalidSyntaxException, InvalidValueException, ListResponse, NotFoundException,
    NotImplementedException, PatchOp,
    PreconditionFailedException, ResponseParameters, SCIMException, Schema, SearchRequest,
)
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee
from ess.scim import services
from ess.scim.filters import condition
from ess.scim.models import ScimGroup, ScimUser
from ess.scim.resources import (
    GROUP_COLUMNS, USER_COLUMNS, group_data, group_resource, user_data, user_resource,
)
from ess.scim.schema import MAX_RESULTS, PROVIDER, Group, User
from ess.security import SERVICE_TOKEN, allow
from ess.tokens.auth import scim_error
from ess.tokens.principal import token_scopes
from flask_login import current_user

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
SCIM_JSON = "application/scim+json"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ENTERPRISE_MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager"


def scim_route(rule: str, methods: list[str], **options):
    """A SCIM endpoint: only service tokens holding the scope `scim`."""

    def decorate(view):
        view = token_scopes("scim")(allow(SERVICE_TOKEN)(view))
        bp.add_url_rule(rule, view_func=view, methods=methods, **options)
        return view

    return decorate


# Responses ---------------------------------------------------------------------------------------------
def scim_json(payload: dict, status: int = 200, *, etag: str | None = None, location: str | None = None) -> Response:
    response = current_app.response_class(json.dumps(payload, ensure_ascii=False), status=status, mimetype=SCIM_JSON)
    if etag:
        response.headers["ETag"] = etag
    if location:
        response.headers["Location"] = location
    return response


def locate(kind: str, resource_id: int) -> str:
    endpoint = "scim.user" if kind == "User" else "scim.group"
    return url_for(endpoint, resource_id=str(resource_id), _external=True)


@bp.errorhandler(SCIMException)
def _scim_exception(error: SCIMException):
    db.session.rollback()
    body = error.to_error().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return scim_json(body, error.status)


@bp.errorhandler(ValidationError)
def _validation_error(error: ValidationError):
    db.session.rollback()
    first = Error.from_validation_errors(error)[0]
    return scim_json(first.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE), int(first.status or 400))


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    return scim_error(error.status, str(error.message))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    details = {401: "Send a service token with the scim scope.", 403: "This token may not use SCIM.",
               404: "No such resource.", 405: "This method is not allowed here.", 429: "Too many requests."}
    return scim_error(error.code or 500, details.get(error.code, error.name))


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    current_app.logger.exception("SCIM request failed: %s %s", request.method, request.path)
    db.session.rollback()
    return scim_error(500, "The portal could not process the request.")


# Request helpers ---------------------------------------------------------------------------------------
def _body() -> dict:
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return data


def _response_parameters(model, params=None):
    params = request.args if params is None else params
    values = {key: params[key] for key in ("attributes", "excludedAttributes") if params.get(key)}
    if not values:
        return None
    with PROVIDER:
        return ResponseParameters[model].model_validate(values)


def _page(params) -> tuple[int, int]:
    try:
        start = int(params.get("startIndex") or 1)
        count = int(params.get("count") if params.get("count") is not None else MAX_RESULTS)
    except (TypeError, ValueError):
        raise InvalidValueException(detail="startIndex and count must be whole numbers.") from None
    return max(start, 1), min(max(count, 0), MAX_RESULTS)


def _check_version(current: str) -> None:
    """If-Match: refuse to change a resource that changed since the client read it (412)."""
    wanted = request.headers.get("If-Match")
    if not wanted or wanted.strip() == "*":
        return
    tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
    if current.removeprefix("W/") not in tags:
        raise PreconditionFailedException(detail="The resource changed since you read it (ETag mismatch).")


def _resource_id(value: str) -> int:
    if not value.isdigit() or len(value) > 11:
        raise NotFoundException(detail=f"No resource has the id {value!r}.")
    return int(value)


def _dump(resource, parameters=None) -> dict:
    with PROVIDER:
        return resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters)


def _role_groups():
    return current_app.config["ROLE_GROUPS"]


def _actor():
    return current_user._get_current_object()


def _search_params() -> dict:
    """The query of a GET on the collection, or the SearchRequest body of a POST to …/.search."""
    if request.method == "GET":
        return request.args.to_dict()
    with PROVIDER:
        search = SearchRequest.model_validate(_body(), scim_ctx=Context.SEARCH_REQUEST)
    return {"filter": str(search.filter) if search.filter else None, "startIndex": search.start_index,
            "count": search.count,
            "attributes": ",".join(str(a) for a in search.attributes) if search.attributes else None,
            "excludedAttributes": ",".join(str(a) for a in search.excluded_attributes)
            if search.excluded_attributes else None}


def _list(model, query, count_query, to_resource) -> Response:
    params = _search_params()
    start, count = _page(params)
    parameters = _response_parameters(model, params)
    if params.get("filter"):
        columns = USER_COLUMNS if model is User else GROUP_COLUMNS
        where = condition(params["filter"], columns)
        query, count_query = query.where(where), count_query.where(where)
    total = db.session.scalar(count_query)
    rows = db.session.execute(query.offset(start - 1).limit(count)).all() if count else []
    resources = to_resource(rows)
    with PROVIDER:
        listing = ListResponse[model](total_results=total, start_index=start, items_per_page=len(resources),
                                      resources=resources)
        payload = listing.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters)
    payload.setdefault("Resources", [])
    return scim_json(payload)


# Discovery ---------------------------------------------------------------------------------------------
def _only_get() -> None:
    if request.method != "GET":
        raise_method_not_allowed()


def raise_method_not_allowed():
    from werkzeug.exceptions import MethodNotAllowed

    raise MethodNotAllowed(valid_methods=["GET"])


@scim_route("/ServiceProviderConfig", ALL_METHODS)
def service_provider_config():
    _only_get()
    with PROVIDER:
        config = PROVIDER.config.model_copy()
        config.meta = {"resourceType": "ServiceProviderConfig",
                       "location": url_for("scim.service_provider_config", _external=True)}
        return scim_json(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _with_location(item, endpoint: str, kind: str):
    item = item.model_copy()
    item.meta = {"resourceType": kind, "location": url_for(endpoint, resource_id=item.id, _external=True)}
    return item


def _discovery_listing(resources, model, endpoint: str, kind: str):
    """GET of a discovery collection (ResourceTypes, Schemas): every item with its location."""
    _only_get()
    items = [_with_location(item, endpoint, kind) for item in resources]
    with PROVIDER:
        listing = ListResponse[model](total_results=len(items), start_index=1, items_per_page=len(items),
                                      resources=items)
        return scim_json(listing.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _discovery_item(resources, resource_id: str, endpoint: str, kind: str, missing: str):
    """GET of one discovery item by id, or the SCIM 404."""
    _only_get()
    for item in resources:
        if item.id == resource_id:
            with PROVIDER:
                located = _with_location(item, endpoint, kind)
                return scim_json(located.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"No {missing} {resource_id!r}.")


@scim_route("/ResourceTypes", ALL_METHODS)
def resource_types():
    from scim2_models import ResourceType

    return _discovery_listing(PROVIDER.resource_types, ResourceType, "scim.resource_type", "ResourceType")


@scim_route("/ResourceTypes/<resource_id>", ALL_METHODS)
def resource_type(resource_id: str):
    return _discovery_item(PROVIDER.resource_types, resource_id, "scim.resource_type", "ResourceType",
                           "resource type")


@scim_route("/Schemas", ALL_METHODS)
def schemas():
    return _discovery_listing(PROVIDER.schemas, Schema, "scim.schema", "Schema")


@scim_route("/Schemas/<resource_id>", ALL_METHODS)
def schema(resource_id: str):
    return _discovery_item(PROVIDER.schemas, resource_id, "scim.schema", "Schema", "schema")


# Users -------------------------------------------------------------------------------------------------
def _user_rows_to_resources(rows) -> list:
    groups = services.groups_of(employee.id for employee, _ in rows)
    return [user_resource(employee, link, groups[employee.id], locate) for employee, link in rows]


def _current_user_resource(resource_id: str):
    found = services.visible_employee(_resource_id(resource_id))
    if found is None:
        raise NotFoundException(detail=f"No User has the id {resource_id!r}.")
    employee, link = found
    resource = user_resource(employee, link, services.groups_of([employee.id])[employee.id], locate)
    return employee, resource


def _user_answer(employee: Employee, status: int = 200) -> Response:
    link = db.session.get(ScimUser, employee.id)
    resource = user_resource(employee, link, services.groups_of([employee.id])[employee.id], locate)
    return scim_json(_dump(resource, _response_parameters(User)), status, etag=resource.meta.version,
                     location=resource.meta.location if status == 201 else None)


def _validate_user(data: dict, context: Context, current=None) -> User:
    data = dict(data)
    # Providers may leave these out; the portal keeps what it has (or, for a new person, active = true).
    if "active" not in data:
        data["active"] = current.active if current is not None else True
    if not data.get("displayName") and data.get("userName"):
        data["displayName"] = current.display_name if current is not None else str(data["userName"]).split("@")[0]
    with PROVIDER:
        return User.model_validate(data, scim_ctx=context)


@scim_route("/Users/.search", ["POST"], endpoint="search_users")
@scim_route("/Users", ["GET", "POST"])
def users():
    if request.method == "POST" and request.endpoint == "scim.users":
        resource = _validate_user(_body(), Context.RESOURCE_CREATION_REQUEST)
        employee = services.create_user(user_data(resource), actor=_actor())
        db.session.commit()
        return _user_answer(employee, 201)
    query = (select(Employee, ScimUser).outerjoin(ScimUser, ScimUser.employee_id == Employee.id)
             .where(ScimUser.deleted_at.is_(None)).order_by(Employee.id))
    count = (select(func.count(Employee.id)).select_from(Employee)
             .outerjoin(ScimUser, ScimUser.employee_id == Employee.id).where(ScimUser.deleted_at.is_(None)))
    return _list(User, query, count, _user_rows_to_resources)


@scim_route("/Users/<resource_id>", ["GET", "PUT", "PATCH", "DELETE"], endpoint="user")
def user(resource_id: str):
    employee, current = _current_user_resource(resource_id)
    if request.method == "GET":
        if request.headers.get("If-None-Match", "").strip() == current.meta.version:
            return Response(status=304, headers={"ETag": current.meta.version})
        return scim_json(_dump(current, _response_parameters(User)), etag=current.meta.version)
    _check_version(current.meta.version)
    if request.method == "DELETE":
        services.delete_user(employee, actor=_actor(), role_groups=_role_groups())
        db.session.commit()
        return Response(status=204)
    if request.method == "PUT":
        replacement = _validate_user(_body(), Context.RESOURCE_REPLACEMENT_REQUEST, current)
    else:
        replacement = _patched(User, current, _body())
    services.replace_user(employee, user_data(replacement), actor=_actor())
    db.session.commit()
    return _user_answer(employee)


def _patched(model, current, body: dict):
    for operation in body.get("Operations") or []:
        # Entra ID sends the manager as a bare id string.
        if (isinstance(operation, dict) and str(operation.get("path", "")).lower() == ENTERPRISE_MANAGER
                and isinstance(operation.get("value"), str)):
            operation["value"] = {"value": operation["value"]}
    with PROVIDER:
        patch = PatchOp[model].model_validate(body, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        resource = current.model_copy(deep=True)
        patch.patch(resource)
    return resource


# Groups ------------------------------------------------------------------------------------------------
def _current_group(resource_id: str) -> tuple[ScimGroup, Group]:
    group = db.session.get(ScimGroup, _resource_id(resource_id))
    if group is None:
        raise NotFoundException(detail=f"No Group has the id {resource_id!r}.")
    return group, group_resource(group, locate)


def _group_answer(group: ScimGroup, status: int = 200) -> Response:
    db.session.refresh(group)
    resource = group_resource(group, locate)
    return scim_json(_dump(resource, _response_parameters(Group)), status, etag=resource.meta.version,
                     location=resource.meta.location if status == 201 else None)


@scim_route("/Groups/.search", ["POST"], endpoint="search_groups")
@scim_route("/Groups", ["GET", "POST"])
def groups():
    if request.method == "POST" and request.endpoint == "scim.groups":
        with PROVIDER:
            resource = Group.model_validate(_body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        group = services.create_group(group_data(resource), actor=_actor(), role_groups=_role_groups())
        db.session.commit()
        return _group_answer(group, 201)
    query = select(ScimGroup).order_by(ScimGroup.id)
    count = select(func.count(ScimGroup.id))
    return _list(Group, query, count, lambda rows: [group_resource(row[0], locate) for row in rows])


@scim_route("/Groups/<resource_id>", ["GET", "PUT", "PATCH", "DELETE"], endpoint="group")
def group(resource_id: str):
    group, current = _current_group(resource_id)
    if request.method == "GET":
        if request.headers.get("If-None-Match", "").strip() == current.meta.version:
            return Response(status=304, headers={"ETag": current.meta.version})
        return scim_json(_dump(current, _response_parameters(Group)), etag=current.meta.version)
    _check_version(current.meta.version)
    if request.method == "DELETE":
        services.delete_group(group, actor=_actor(), role_groups=_role_groups())
        db.session.commit()
        return Response(status=204)
    if request.method == "PUT":
        with PROVIDER:
            replacement = Group.model_validate(_body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    else:
        replacement = _patched(Group, current, _body())
    services.replace_group(group, group_data(replacement), actor=_actor(), role_groups=_role_groups())
    db.session.commit()
    return _group_answer(group)


@scim_route("/.search", ["POST"], endpoint="search_all")
def search_all():
    raise NotImplementedException(detail="Search one resource type at a time: /Users/.search or /Groups/.search.")


@scim_route("/", ALL_METHODS, defaults={"anything": ""}, endpoint="unknown_root")
@scim_route("/<path:anything>", ALL_METHODS, endpoint="unknown")
def unknown(anything: str):
    raise NotFoundException(detail="No such SCIM endpoint.")
