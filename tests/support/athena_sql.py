"""Reads Athena SQL as Athena would, with sqlglot's Athena dialect (Hive DDL, Trino queries), and names what
would answer differently there than on DuckDB. Used by tests/e2e/athena-sql.test.ts.

stdin: a JSON list of {"name", "sql", "kind": "query" | "ddl"}; `?` stands for an execution parameter.
stdout: a JSON list of {"name", "problem"}; empty when every statement parses and no query holds a hazard.
"""

from __future__ import annotations

import json
import sys

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

DOUBLE_TYPES = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}
# Functions whose answer depends on the session's time zone or clock: DuckDB's and Athena's differ.
SESSION_DEPENDENT = (
    exp.CurrentTimestamp,
    exp.CurrentDate,
    exp.CurrentTime,
    exp.AtTimeZone,
)


def _is_double(node: exp.Expression) -> bool:
    """True when the expression is a DOUBLE on both engines, whatever its columns' types: an explicit cast,
    or arithmetic with such a side."""
    if isinstance(node, exp.Paren):
        return _is_double(node.this)
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.to.this in DOUBLE_TYPES
    if isinstance(node, (exp.Mul, exp.Add, exp.Sub, exp.Div)):
        return _is_double(node.left) or _is_double(node.right)
    return False


def hazards(tree: exp.Expression) -> list[str]:
    found = []
    for literal in tree.find_all(exp.Literal):
        if not literal.is_string and any(c in literal.this for c in ".eE"):
            found.append(
                f"the literal {literal.this} is a DECIMAL on Athena (Trino) and a DOUBLE on DuckDB: "
                f"write CAST({literal.this} AS DOUBLE), or an integer"
            )
    for division in tree.find_all(exp.Div):
        if not (_is_double(division.left) or _is_double(division.right)):
            found.append(
                f"{division.sql(dialect='athena')} divides with no DOUBLE side: Athena (Trino) keeps the integer or DECIMAL "
                "type (truncating or rounding), DuckDB answers a DOUBLE: CAST one side AS DOUBLE"
            )
    for node in tree.find_all(*SESSION_DEPENDENT):
        found.append(
            f"{node.sql(dialect='athena')} depends on the session's time zone or clock, which differ between engines"
        )
    return found


def check(statements: list[dict]) -> list[dict]:
    problems = []
    for statement in statements:
        try:
            trees = [
                t
                for t in sqlglot.parse(statement["sql"], read="athena")
                if t is not None
            ]
        except ParseError as err:
            problems.append(
                {
                    "name": statement["name"],
                    "problem": f"does not parse as Athena SQL: {err}",
                }
            )
            continue
        if len(trees) != 1:
            problems.append(
                {
                    "name": statement["name"],
                    "problem": f"is {len(trees)} statements, Athena runs one",
                }
            )
            continue
        if statement["kind"] == "query":
            problems.extend(
                {"name": statement["name"], "problem": hazard}
                for hazard in hazards(trees[0])
            )
    return problems


if __name__ == "__main__":
    json.dump(check(json.load(sys.stdin)), sys.stdout)
