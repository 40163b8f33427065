"""SCIM use cases: provision, update, deactivate and "delete" people; keep groups and the roles they give.

Every function takes the acting token (or person) as `actor`, flushes and never commits; refusals are
SCIM exceptions (scim2-models) that the view turns into SCIM error bodies naming the attribute.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

from scim2_models import InvalidValueException, NotFoundException, SCIMException, UniquenessException
from sqlalchemy import func, select

from ess import audit, clock
from ess.auth.roles import roles_from_groups
from ess.auth.services import apply_roles
from ess.db import db
from ess.people.models import Department, Employee, EmployeeStatus
from ess.scim.models import ScimGroup, ScimGroupMember, ScimUser
from ess.scim.resources import GroupData, UserData
from ess.tokens.principal import audit_actor

EMPLOYEE_NO_LENGTH = 32
TRACKED = ("email", "name", "title", "employee_no", "department", "manager", "status", "external_id")


class InvalidAttribute(InvalidValueException):
    """A value the portal cannot keep; the detail names the attribute."""


def _record(action: str, actor, subject, changes: dict) -> None:
    person, facts = audit_actor(actor)
    audit.record(action, actor=person, subject=subject, changes={"source": "scim", **facts, **changes})


# People -------------------------------------------------------------------------------------------------
def visible_employee(employee_id: int) -> tuple[Employee, ScimUser | None] | None:
    """The employee SCIM may show under this id: not one deleted through SCIM."""
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        return None
    link = db.session.get(ScimUser, employee.id)
    if link is not None and link.deleted_at is not None:
        return None
    return employee, link


def groups_of(employee_ids: Iterable[int]) -> dict[int, list[ScimGroup]]:
    ids = list(employee_ids)
    found: dict[int, list[ScimGroup]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(ScimGroupMember.employee_id, ScimGroup).join(ScimGroup, ScimGroup.id == ScimGroupMember.group_id)
        .where(ScimGroupMember.employee_id.in_(ids)).order_by(ScimGroup.display_name)
    )
    for employee_id, group in rows:
        found[employee_id].append(group)
    return found


def _text(value: str | None, attribute: str, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise InvalidAttribute(detail=f"{attribute} is longer than {limit} characters.")
    return value or None


def _user_name(value: str) -> str:
    value = (value or "").strip()
    if not value or any(c.isspace() for c in value) or len(value) > 254:
        raise InvalidAttribute(detail="userName must be the work e-mail address: no spaces, at most 254 characters.")
    return value


def _employee_by_email(email: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(func.lower(Employee.email) == email.lower()))


def _department(name: str | None) -> Department | None:
    if not name:
        return None
    department = db.session.scalar(select(Department).where(Department.name == name))
    if department is None:
        department = Department(name=name)
        db.session.add(department)
    return department


def _manager(value: str | None, employee: Employee | None) -> Employee | None:
    if not value:
        return None
    found = visible_employee(int(value)) if value.isdigit() and len(value) < 12 else None
    if found is None:
        raise InvalidAttribute(detail=f"manager {value!r} is not a User of this portal.")
    if employee is not None and found[0].id == employee.id:
        raise InvalidAttribute(detail="manager cannot be the person themselves.")
    return found[0]


def _new_employee_no() -> str:
    return "scim-" + secrets.token_hex(6)


def _snapshot(employee: Employee, link: ScimUser | None) -> dict:
    return {
        "email": employee.email, "name": employee.name, "title": employee.title,
        "employee_no": employee.employee_no,
        "department": employee.department.name if employee.department else None,
        "manager": employee.manager.employee_no if employee.manager else None,
        "status": employee.status.value, "external_id": link.external_id if link else None,
    }


def _apply(employee: Employee, link: ScimUser, data: UserData) -> None:
    """Write what SCIM says about a person; refuses a taken userName or employeeNumber."""
    email = _user_name(data.user_name)
    holder = _employee_by_email(email)
    if holder is not None and holder.id != employee.id:
        raise UniquenessException(detail="userName is already the work e-mail of another person.")
    name = _text(data.display_name, "displayName", 120) or email.split("@")[0][:120]
    number = _text(data.employee_number, "employeeNumber", 64)
    if number and len(number) <= EMPLOYEE_NO_LENGTH and number != employee.employee_no:
        other = db.session.scalar(select(Employee).where(Employee.employee_no == number))
        if other is not None and other.id != employee.id:
            raise UniquenessException(detail="employeeNumber belongs to another person.")
        employee.employee_no = number
    employee.email = email
    employee.name = name
    employee.title = _text(data.title, "title", 120)
    employee.department = _department(_text(data.department, "department", 120))
    employee.manager = _manager(data.manager_id, employee)
    link.external_id = _text(data.external_id, "externalId", 255)
    link.employee_number = number
    if data.active and employee.status is not EmployeeStatus.active:
        employee.status = EmployeeStatus.active
    elif not data.active:
        employee.deactivate()  # ends their sessions at once


def _link(employee: Employee) -> ScimUser:
    link = db.session.get(ScimUser, employee.id)
    if link is None:
        link = ScimUser(employee_id=employee.id, employee_number=employee.employee_no)
        db.session.add(link)
    return link


def create_user(data: UserData, *, actor) -> Employee:
    """Provision a person. A userName of someone deleted through SCIM brings that person back."""
    email = _user_name(data.user_name)
    employee = _employee_by_email(email)
    if employee is not None:
        link = db.session.get(ScimUser, employee.id)
        if link is None or link.deleted_at is None:
            raise UniquenessException(detail="userName is already the work e-mail of another person.")
        before = _snapshot(employee, link)
        link.deleted_at = None
        _apply(employee, link, data)
        db.session.flush()
        _record("employee.restored", actor, employee, _diff(before, _snapshot(employee, link)))
        return employee
    employee = Employee(employee_no=_new_employee_no(), email=email, name=email.split("@")[0][:120])
    db.session.add(employee)
    db.session.flush()
    link = ScimUser(employee_id=employee.id)
    db.session.add(link)
    _apply(employee, link, data)
    db.session.flush()
    after = _snapshot(employee, link)
    _record("employee.provisioned", actor, employee,
            {key: {"before": None, "after": value} for key, value in after.items() if value is not None})
    return employee


def _diff(before: dict, after: dict) -> dict:
    return {key: {"before": before[key], "after": after[key]} for key in TRACKED if before[key] != after[key]}


def replace_user(employee: Employee, data: UserData, *, actor) -> None:
    link = _link(employee)
    before = _snapshot(employee, link)
    _apply(employee, link, data)
    db.session.flush()
    diff = _diff(before, _snapshot(employee, link))
    if diff:
        action = "employee.updated"
        if "status" in diff:
            action = "employee.deactivated" if diff["status"]["after"] == "inactive" else "employee.reactivated"
        _record(action, actor, employee, diff)


def delete_user(employee: Employee, *, actor, role_groups: Mapping[str, list[str]]) -> None:
    """SCIM DELETE: deactivate (never erase: leave and audit history stay), leave every group, hide from SCIM."""
    link = _link(employee)
    before = _snapshot(employee, link)
    employee.deactivate()
    link.deleted_at = clock.now()
    memberships = db.session.scalars(select(ScimGroupMember).where(ScimGroupMember.employee_id == employee.id))
    for membership in memberships:
        db.session.delete(membership)
    db.session.flush()
    _record("employee.deleted", actor, employee, {**_diff(before, _snapshot(employee, link)), "kept": True})
    sync_roles([employee.id], actor=actor, role_groups=role_groups)


# Groups and roles ---------------------------------------------------------------------------------------
def sync_roles(employee_ids: Iterable[int], *, actor, role_groups: Mapping[str, list[str]]) -> None:
    """A person's roles are what their SCIM groups give through ESS_ROLE_GROUPS (as the groups claim does)."""
    ids = sorted(set(employee_ids))
    groups = groups_of(ids)
    for employee_id in ids:
        employee = db.session.get(Employee, employee_id)
        names = [group.display_name for group in groups[employee_id]]
        apply_roles(employee, roles_from_groups(names, role_groups), actor=audit_actor(actor)[0], source="scim")
    db.session.flush()


def _members(ids: list[str]) -> list[int]:
    members = []
    for value in ids:
        found = visible_employee(int(value)) if str(value).isdigit() and len(str(value)) < 12 else None
        if found is None:
            raise InvalidAttribute(detail=f"members: {value!r} is not a User of this portal.")
        if found[0].id not in members:
            members.append(found[0].id)
    return members


def _apply_group(group: ScimGroup, data: GroupData) -> tuple[set[int], set[int]]:
    name = _text(data.display_name, "displayName", 255)
    if not name:
        raise InvalidAttribute(detail="displayName is required.")
    other = db.session.scalar(select(ScimGroup).where(func.lower(ScimGroup.display_name) == name.lower()))
    if other is not None and other is not group:
        raise UniquenessException(detail="Another group has this displayName.")
    members = _members(data.member_ids)
    before = set(group.member_ids)
    group.display_name = name
    group.external_id = _text(data.external_id, "externalId", 255)
    group.memberships = [m for m in group.memberships if m.employee_id in members] + [
        ScimGroupMember(employee_id=i) for i in members if i not in before]
    return before, set(members)


def create_group(data: GroupData, *, actor, role_groups) -> ScimGroup:
    group = ScimGroup(display_name="")
    _, members = _apply_group(group, data)
    db.session.add(group)
    db.session.flush()
    _record("group.created", actor, group, {"display_name": group.display_name, "members": sorted(members)})
    sync_roles(members, actor=actor, role_groups=role_groups)
    return group


def replace_group(group: ScimGroup, data: GroupData, *, actor, role_groups) -> None:
    old_name = group.display_name
    before, after = _apply_group(group, data)
    db.session.flush()
    changes = {}
    if old_name != group.display_name:
        changes["display_name"] = {"before": old_name, "after": group.display_name}
    if before != after:
        changes["members"] = {"added": sorted(after - before), "removed": sorted(before - after)}
    if changes:
        _record("group.updated", actor, group, changes)
    affected = (before | after) if old_name != group.display_name else (before ^ after)
    sync_roles(affected, actor=actor, role_groups=role_groups)


def delete_group(group: ScimGroup, *, actor, role_groups) -> None:
    members = set(group.member_ids)
    _record("group.deleted", actor, group, {"display_name": group.display_name, "members": sorted(members)})
    db.session.delete(group)
    db.session.flush()
    sync_roles(members, actor=actor, role_groups=role_groups)


__all__ = ["SCIMException", "NotFoundException", "create_user", "replace_user", "delete_user", "create_group",
           "replace_group", "delete_group", "sync_roles", "visible_employee", "groups_of"]
