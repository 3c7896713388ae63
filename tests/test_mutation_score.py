"""The rule tools/mutation_score.py uses to call a mutant equivalent without listing it by name."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("mutation_score", Path(__file__).resolve().parents[1] / "tools" / "mutation_score.py")
mutation_score = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutation_score)


def diff(old: str, new: str) -> str:
    return f"--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n def f(conn):\n-{old}\n+{new}\n     return x"


@pytest.mark.parametrize("old, new", [
    ('    conn.execute("SELECT key, value FROM meta")', '    conn.execute("select key, value from meta")'),
    ('    conn.execute("DROP TABLE dups")', '    conn.execute("DROP TABLE DUPS")'),
    ('    conn.execute("PRAGMA page_size")', '    conn.execute("pragma PAGE_SIZE")'),
    ('    "FROM json_each(?)" for table in indexes]', '    "from json_each(?)" for table in indexes]'),
])
def test_case_of_a_plain_sql_statement_is_equivalent(old, new):
    assert mutation_score.sql_case_only(diff(old, new))


@pytest.mark.parametrize("old, new", [
    # a quoted literal's case is data, not syntax
    ("""    conn.execute("SELECT v FROM c WHERE k = 'version'")""", """    conn.execute("SELECT v FROM c WHERE k = 'VERSION'")"""),
    # an interpolation is Python
    ('    conn.execute(f"DROP TABLE {name}")', '    conn.execute(f"DROP TABLE {NAME}")'),
    # text that is not an SQL statement
    ('    raise BadInput("no such corpus")', '    raise BadInput("NO SUCH CORPUS")'),
    ('    raise BadInput("From the file: no title")', '    raise BadInput("FROM THE FILE: NO TITLE")'),
    ('    raise BadInput("begin with a title")', '    raise BadInput("BEGIN WITH A TITLE")'),
    # more than case
    ('    conn.execute("DROP TABLE dups")', '    conn.execute("XXDROP TABLE dupsXX")'),
    ('    conn.execute("SELECT a FROM t WHERE x > 1")', '    conn.execute("SELECT a FROM t WHERE x >= 1")'),
    # case changed outside the string
    ('    conn.execute("DROP TABLE dups")', '    CONN.execute("DROP TABLE dups")'),
])
def test_anything_else_is_not(old, new):
    assert not mutation_score.sql_case_only(diff(old, new))


def test_no_change_is_not_a_mutant():
    assert not mutation_score.sql_case_only(diff('    conn.execute("DROP TABLE dups")', '    conn.execute("DROP TABLE dups")'))


def test_a_mutant_whose_code_is_gone_is_no_rule_match():
    def gone(name, path):
        raise FileNotFoundError(f'Could not find original function "{name}"')

    assert mutation_score._diff(gone, "survey.x.f__mutmut_1", Path("survey/x.py")) == ""
    assert not mutation_score.sql_case_only("")


@pytest.mark.parametrize("status, listed, counted", [
    ("survived", True, "equivalent"),
    ("not checked", True, "equivalent"),
    ("survived", False, "survived"),
    # a listed mutant that a test killed is no equivalent: the entry names another mutant now
    ("killed", True, "killed"),
    ("timeout", True, "timeout"),
    ("killed", False, "killed"),
])
def test_a_listed_mutant_is_equivalent_only_while_no_test_kills_it(status, listed, counted):
    assert mutation_score.verdict(status, listed) == counted
