"""The SCIM resources the portal publishes (scim2-models), only with the attributes it keeps.

User: userName (the work e-mail), displayName (the name), title, active, externalId, groups (read-only)
and the enterprise extension's employeeNumber, department and manager. Group: displayName, members
(users only). Attributes a provider sends beyond these are accepted and ignored, as Entra ID and Okta
send many by default.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from scim2_models import (
    AuthenticationScheme, Bulk, CaseExact, ChangePassword, ComplexAttribute, ETag, Extension, Filter,
    Mutability, Patch, Reference, Required, Resource, ResourceType, ScimPolicy, ScimProvider,
    ServiceProviderConfig, Sort, Uniqueness,
)
from scim2_models import AnyExtension
from scim2_models.urn import URN

MAX_RESULTS = 200


class UserManager(ComplexAttribute):
    value: Annotated[str | None, Required.true, CaseExact.true] = None
    """The id of the manager's User resource."""

    ref: Reference["User"] | None = Field(None, serialization_alias="$ref", validation_alias="$ref")
    """The URI of the manager's User resource."""


class PortalEnterpriseUser(Extension):
    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    employee_number: str | None = None
    """The employee number; it becomes the portal's employee number (up to 32 characters, unique)."""

    department: str | None = None
    """The department's name; a department of that name is created when missing."""

    manager: UserManager | None = None
    """The person's manager."""


class UserGroup(ComplexAttribute):
    value: Annotated[str | None, Mutability.read_only, CaseExact.true] = None
    ref: Annotated[Reference["Group"] | None, Mutability.read_only] = Field(
        None, serialization_alias="$ref", validation_alias="$ref")
    display: Annotated[str | None, Mutability.read_only] = None


class PortalUser(Resource[AnyExtension]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The person's work e-mail address, unique."""

    display_name: Annotated[str | None, Required.true] = None
    """The person's name as the portal shows it (taken from userName when left out)."""

    title: str | None = None
    """The job title."""

    active: Annotated[bool | None, Required.true] = None
    """Whether the person may sign in; false ends their sessions at once (true when left out)."""

    groups: Annotated[list[UserGroup] | None, Mutability.read_only] = None
    """The groups the person belongs to; they give roles through ESS_ROLE_GROUPS."""


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, Required.true, CaseExact.true] = None
    """The id of a member User."""

    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(
        None, serialization_alias="$ref", validation_alias="$ref")
    """The URI of the member User."""

    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    """Always User: groups hold people, not other groups."""


class PortalGroup(Resource[Any]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true, Uniqueness.server] = None
    """The group's name, unique; ESS_ROLE_GROUPS maps it to roles."""

    members: list[GroupMember] | None = None
    """The people in the group."""


User = PortalUser[PortalEnterpriseUser]
Group = PortalGroup

# Entra ID sends `remove` operations with a value, filters for entries that do not exist yet, and many
# attributes the portal does not keep; these are read the way Entra means them.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

CONFIG = ServiceProviderConfig(
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[AuthenticationScheme(
        type="oauthbearertoken", name="Service token",
        description="A portal service token with the scope scim, sent as Authorization: Bearer <token>.",
        primary=True,
    )],
)

PROVIDER = ScimProvider(
    models=[PortalUser, PortalEnterpriseUser, PortalGroup],
    resource_types=[ResourceType.from_resource(User), ResourceType.from_resource(PortalGroup)],
    config=CONFIG,
    policy=POLICY,
)
