"""Employees and groups as SCIM resources (and back): the one place that maps attributes to columns."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

from scim2_models import Context, Meta
from sqlalchemy import case, exists, select

from ess.people.models import Employee, EmployeeStatus
from ess.scim.filters import ENTERPRISE, Column
from ess.scim.models import ScimGroup, ScimGroupMember, ScimUser
from ess.scim.schema import Group, GroupMember, PortalEnterpriseUser, User, UserGroup, UserManager

# location(kind, id) → the resource's absolute URL; given by the view, so this module needs no request.
Locator = Callable[[str, int], str]


@dataclass
class UserData:
    """What a SCIM User says about a person, in the portal's terms."""

    user_name: str
    display_name: str | None
    title: str | None
    active: bool
    external_id: str | None
    employee_number: str | None
    department: str | None
    manager_id: str | None


@dataclass
class GroupData:
    display_name: str
    external_id: str | None
    member_ids: list[str]


def version_of(payload: dict) -> str:
    """A weak ETag computed from what the resource says, so any change to it changes the version."""
    content = {key: value for key, value in payload.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f'W/"{digest[:20]}"'


def _with_meta(resource, kind: str, created, modified, location: str):
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    resource.meta = Meta(resource_type=kind, created=created, last_modified=modified, location=location,
                         version=version_of(payload))
    return resource


def user_resource(employee: Employee, link: ScimUser | None, groups: list[ScimGroup], locate: Locator) -> User:
    manager = employee.manager if employee.manager_id and employee.manager_id != employee.id else None
    employee_number = link.employee_number if link is not None else employee.employee_no
    enterprise = PortalEnterpriseUser(
        employee_number=employee_number,
        department=employee.department.name if employee.department else None,
        manager=UserManager(value=str(manager.id), ref=locate("User", manager.id)) if manager else None,
    )
    resource = User(
        id=str(employee.id),
        external_id=link.external_id if link else None,
        user_name=employee.email,
        display_name=employee.name,
        title=employee.title,
        active=employee.status is EmployeeStatus.active,
        groups=[UserGroup(value=str(g.id), ref=locate("Group", g.id), display=g.display_name) for g in groups] or None,
    )
    resource[PortalEnterpriseUser] = enterprise
    modified = max(employee.updated_at, link.updated_at) if link else employee.updated_at
    return _with_meta(resource, "User", employee.created_at, modified, locate("User", employee.id))


def group_resource(group: ScimGroup, locate: Locator) -> Group:
    resource = Group(
        id=str(group.id),
        external_id=group.external_id,
        display_name=group.display_name,
        members=[GroupMember(value=str(i), ref=locate("User", i), type="User") for i in group.member_ids] or None,
    )
    return _with_meta(resource, "Group", group.created_at, group.updated_at, locate("Group", group.id))


def user_data(resource: User) -> UserData:
    enterprise = resource[PortalEnterpriseUser] or PortalEnterpriseUser()
    return UserData(
        user_name=resource.user_name or "",
        display_name=resource.display_name,
        title=resource.title,
        active=True if resource.active is None else bool(resource.active),
        external_id=resource.external_id,
        employee_number=enterprise.employee_number,
        department=enterprise.department,
        manager_id=enterprise.manager.value if enterprise.manager else None,
    )


def group_data(resource: Group) -> GroupData:
    return GroupData(
        display_name=resource.display_name or "",
        external_id=resource.external_id,
        member_ids=[m.value for m in resource.members or [] if m.value is not None],
    )


def _member_test(op, value):
    from scim2_models.path import CompareOperator
    from sqlalchemy import false, not_

    membership = select(ScimGroupMember.group_id).where(ScimGroupMember.group_id == ScimGroup.id)
    if op is None:
        return exists(membership)
    if op not in (CompareOperator.eq, CompareOperator.ne):
        from scim2_models import InvalidFilterException

        raise InvalidFilterException(detail="members compares with eq or ne.")
    text = str(value)
    condition = exists(membership.where(ScimGroupMember.employee_id == int(text))) if text.isdigit() and len(
        text) < 12 else false()
    return condition if op == CompareOperator.eq else not_(condition)


EMPLOYEE_NUMBER = case((ScimUser.employee_id.is_(None), Employee.employee_no), else_=ScimUser.employee_number)

USER_COLUMNS = {
    "id": Column(Employee.id, "id"),
    "username": Column(Employee.email),
    "emails": Column(Employee.email),
    "emails.value": Column(Employee.email),
    "displayname": Column(Employee.name),
    "title": Column(Employee.title),
    "externalid": Column(ScimUser.external_id, "exact"),
    "active": Column(lambda wanted: (Employee.status == EmployeeStatus.active) if wanted
                     else (Employee.status != EmployeeStatus.active), "boolean"),
    f"{ENTERPRISE}:employeenumber": Column(EMPLOYEE_NUMBER, "exact"),
    "employeenumber": Column(EMPLOYEE_NUMBER, "exact"),
}

GROUP_COLUMNS = {
    "id": Column(ScimGroup.id, "id"),
    "displayname": Column(ScimGroup.display_name),
    "externalid": Column(ScimGroup.external_id, "exact"),
    "members": Column(kind="custom", custom=_member_test),
    "members.value": Column(kind="custom", custom=_member_test),
}

__all__ = ["UserData", "GroupData", "user_resource", "group_resource", "user_data", "group_data", "version_of",
           "USER_COLUMNS", "GROUP_COLUMNS"]
