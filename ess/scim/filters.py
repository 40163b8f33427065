"""SCIM filters (parsed by scim2-models) turned into SQLAlchemy conditions over the portal's tables.

Supported: eq, ne, co, sw, ew, pr, joined by and/or/not, on the attributes each resource maps below.
String comparisons are case-insensitive except where the attribute is caseExact (externalId, ids).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from scim2_models import InvalidFilterException, SCIMException, ScimFilter
from scim2_models.path import (
    AttrPath, CompareOperator, Comparison, FilterVisitor, LogicalExpr, LogicalOperator, Not, Present, ValuePath,
)
from sqlalchemy import and_, false, func, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
CORE_PREFIXES = ("urn:ietf:params:scim:schemas:core:2.0:user", "urn:ietf:params:scim:schemas:core:2.0:group")
STRING_OPS = {CompareOperator.eq, CompareOperator.ne, CompareOperator.co, CompareOperator.sw, CompareOperator.ew}


@dataclass(frozen=True)
class Column:
    """How one filterable attribute is read: a string column, a boolean, an id, or a custom test."""

    expression: Any = None
    kind: str = "string"  # string | exact | boolean | id | custom
    custom: Callable[[CompareOperator, Any], ColumnElement] | None = None


def _key(attr_path: AttrPath) -> str:
    uri = (attr_path.uri or "").lower()
    name = attr_path.attr.lower() + (f".{attr_path.sub_attr.lower()}" if attr_path.sub_attr else "")
    if uri and uri not in CORE_PREFIXES:
        return f"{uri}:{name}"
    return name


class SqlFilter(FilterVisitor[ColumnElement]):
    def __init__(self, columns: dict[str, Column]):
        self.columns = columns

    def _column(self, attr_path: AttrPath) -> Column:
        column = self.columns.get(_key(attr_path))
        if column is None:
            raise InvalidFilterException(detail=f"Filtering on {attr_path} is not supported.")
        return column

    def visit_comparison(self, node: Comparison) -> ColumnElement:
        column = self._column(node.attr_path)
        op, value = node.op, node.value
        if column.kind == "custom":
            return column.custom(op, value)
        if column.kind == "boolean":
            if op not in (CompareOperator.eq, CompareOperator.ne) or not isinstance(value, bool):
                raise InvalidFilterException(detail=f"{node.attr_path} compares with eq or ne and true or false.")
            condition = column.expression(value)
            return condition if op == CompareOperator.eq else not_(condition)
        if op not in STRING_OPS:
            raise InvalidFilterException(detail=f"The operator {op.value} is not supported.")
        if value is None:
            condition = column.expression.is_(None)
            return condition if op == CompareOperator.eq else not_(condition)
        if not isinstance(value, str):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if column.kind == "id":
            if op not in (CompareOperator.eq, CompareOperator.ne):
                raise InvalidFilterException(detail=f"{node.attr_path} compares with eq or ne.")
            condition = column.expression == int(value) if value.isdigit() and len(value) < 12 else false()
            return condition if op == CompareOperator.eq else not_(condition)
        expression = column.expression
        if column.kind == "string":
            expression, value = func.lower(expression), value.lower()
        if op == CompareOperator.eq:
            return expression == value
        if op == CompareOperator.ne:
            return or_(expression != value, column.expression.is_(None))
        if op == CompareOperator.co:
            return expression.contains(value, autoescape=True)
        if op == CompareOperator.sw:
            return expression.startswith(value, autoescape=True)
        return expression.endswith(value, autoescape=True)

    def visit_present(self, node: Present) -> ColumnElement:
        column = self._column(node.attr_path)
        if column.kind == "custom":
            return column.custom(None, None)
        if column.kind == "boolean":
            return true()
        return and_(column.expression.is_not(None), column.expression != "") if column.kind != "id" else true()

    def visit_not(self, node: Not) -> ColumnElement:
        return not_(self.visit(node.expr))

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_value_path(self, node: ValuePath) -> ColumnElement:
        # emails[value eq "…"] and members[value eq "…"]: the selection's own sub-attributes.
        inner = node.val_filter
        if isinstance(inner, Comparison) and inner.attr_path.uri is None and not inner.attr_path.sub_attr:
            nested = Comparison(AttrPath(attr=node.attr_path.attr, sub_attr=inner.attr_path.attr,
                                         uri=node.attr_path.uri), inner.op, inner.value)
            return self.visit_comparison(nested)
        raise InvalidFilterException(detail=f"Only simple value filters are supported in {node.attr_path}[…].")


def condition(text: str, columns: dict[str, Column]) -> ColumnElement:
    """The SQL condition for a SCIM filter; raises InvalidFilterException (400 invalidFilter)."""
    try:
        ast = ScimFilter(text).ast
    except SCIMException:
        raise
    except Exception as exc:  # anything the parser did not anticipate is still the client's filter
        raise InvalidFilterException(detail=str(exc)[:200]) from None
    return SqlFilter(columns).visit(ast)
