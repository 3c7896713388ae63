"""The rule tools/mutation_score.py uses to call a mutant equivalent without listing it by name."""

from __future__ import annotations

import hashlib
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


def test_every_listed_equivalent_names_a_current_function():
    """Entries for renamed modules or functions would excuse whichever mutant takes the name next."""
    assert mutation_score.unknown_entries(mutation_score.load_equivalents()) == {}


def test_entries_for_a_renamed_module_or_function_are_named_with_why(tmp_path):
    (tmp_path / "survey" / "sub").mkdir(parents=True)
    (tmp_path / "survey" / "a.py").write_text("def f():\n    pass\nclass C:\n    def m(self):\n        pass\n",
                                              encoding="utf-8")
    (tmp_path / "survey" / "sub" / "__init__.py").write_text("def g():\n    pass\n", encoding="utf-8")
    listed = {name: mutation_score.Entry("why", None) for name in [
        "survey.a.x_f__mutmut_1", "survey.a.xǁCǁm__mutmut_12", "survey.sub.x_g__mutmut_2",  # current
        "survey.a.x_m__mutmut_1", "survey.a.xǁCǁf__mutmut_1", "survey.refresh.x_plan__mutmut_3",
        "survey.a.x_f", "survey.a.x_f__mutmut_x"]}
    assert mutation_score.unknown_entries(listed, tmp_path) == {
        "survey.a.x_m__mutmut_1": "no function m in survey.a",
        "survey.a.xǁCǁf__mutmut_1": "no function C.f in survey.a",
        "survey.refresh.x_plan__mutmut_3": "no module survey.refresh",
        "survey.a.x_f": "not a mutant's name (MODULE.FUNCTION__mutmut_N)",
        "survey.a.x_f__mutmut_x": "not a mutant's name (MODULE.FUNCTION__mutmut_N)",
    }


def test_a_stale_entry_fails_the_score_before_any_run(tmp_path, monkeypatch, capsys):
    listed = tmp_path / "equivalents.txt"
    listed.write_text("# comment\nsurvey.store.x_no_such_function__mutmut_1 renamed since\n", encoding="utf-8")
    monkeypatch.setattr(mutation_score, "EQUIVALENTS", listed)
    assert mutation_score.main(["--check-equivalents"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: 1 entry of equivalents.txt names no current mutant; remove or rename them:",
                   "  survey.store.x_no_such_function__mutmut_1: no function no_such_function in survey.store"]


def changed(*lines: str) -> str:
    """The fingerprint of a mutation, computed here from its changed lines as the docs describe it."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:10]


def write_module(root: Path, source: str) -> None:
    (root / "survey").mkdir(exist_ok=True)
    (root / "survey" / "a.py").write_text(source, encoding="utf-8")


def test_a_mutant_s_fingerprint_is_what_it_changes_whatever_its_number_or_place(tmp_path):
    pytest.importorskip("mutmut", reason="mutmut makes the mutants; `make mutation` installs it")
    for i, source in enumerate(("def f(x):\n    return x + 1\n", "def f(x):\n    y = 2\n\n    return x + 1\n",
                                "class C:\n    def f(self, x):\n        return x + 1\n")):
        (tmp_path / str(i)).mkdir()
        write_module(tmp_path / str(i), source)
        prints = mutation_score.mutant_fingerprints(tmp_path / str(i) / "survey" / "a.py", tmp_path / str(i))
        assert changed("return x + 1", "return x - 1") in prints.values()
        assert len(set(prints.values())) == len(prints)  # each mutant its own


def test_an_entry_past_its_function_s_last_mutant_is_named(tmp_path):
    pytest.importorskip("mutmut", reason="mutmut counts the mutants; `make mutation` installs it")
    write_module(tmp_path, "def f(x):\n    return x + 1\n")
    prints = mutation_score.mutant_fingerprints(tmp_path / "survey" / "a.py", tmp_path)
    first = next(n for n, fp in prints.items() if fp == changed("return x + 1", "return x - 1"))
    listed = {f"survey.a.{first}": mutation_score.Entry("why", prints[first]),
              "survey.a.x_f__mutmut_99": mutation_score.Entry("why", prints[first])}
    unknown = mutation_score.unknown_entries(listed, tmp_path, count_mutants=True)
    assert list(unknown) == ["survey.a.x_f__mutmut_99"]
    assert unknown["survey.a.x_f__mutmut_99"].startswith("f has ") and "mutants now" in unknown["survey.a.x_f__mutmut_99"]


def test_an_entry_whose_number_names_another_mutant_since_its_function_changed_is_named(tmp_path):
    """The case a count of mutants cannot see: a line added above shifts the numbers, not the count."""
    pytest.importorskip("mutmut", reason="mutmut makes the mutants; `make mutation` installs it")
    write_module(tmp_path, "def f(x):\n    return x + 1\n")
    prints = mutation_score.mutant_fingerprints(tmp_path / "survey" / "a.py", tmp_path)
    checked = {f"survey.a.{n}": mutation_score.Entry("why", fp) for n, fp in prints.items()}
    assert mutation_score.unknown_entries(checked, tmp_path, count_mutants=True) == {}
    write_module(tmp_path, "def f(x):\n    return x - 1 if x else x + 1\n")  # as many mutants or more
    unknown = mutation_score.unknown_entries(checked, tmp_path, count_mutants=True)
    assert unknown and all("changes other lines now" in why for why in unknown.values())


def test_an_entry_nobody_fingerprinted_is_named_until_someone_does(tmp_path, monkeypatch, capsys):
    pytest.importorskip("mutmut", reason="mutmut makes the mutants; `make mutation` installs it")
    write_module(tmp_path, "def f(x):\n    return x + 1\n")
    prints = mutation_score.mutant_fingerprints(tmp_path / "survey" / "a.py", tmp_path)
    name = next(n for n, fp in prints.items() if fp == changed("return x + 1", "return x - 1"))
    listed = tmp_path / "equivalents.txt"
    listed.write_text(f"# checked by hand\nsurvey.a.{name} x is never used\n", encoding="utf-8")
    assert mutation_score.unknown_entries(mutation_score.load_equivalents(listed), tmp_path, count_mutants=True) == {
        f"survey.a.{name}": f"no diff: fingerprint; check `mutmut show survey.a.{name}`, then add one with --fingerprint"}
    for _ in range(2):  # writing it again leaves the line as it is
        assert mutation_score.write_fingerprints([f"survey.a.{name}"], listed, tmp_path) == [
            f"survey.a.{name} diff:{prints[name]}"]
        assert listed.read_text(encoding="utf-8") == f"# checked by hand\nsurvey.a.{name} diff:{prints[name]} x is never used\n"
    assert mutation_score.load_equivalents(listed) == {f"survey.a.{name}": mutation_score.Entry("x is never used", prints[name])}
    assert mutation_score.unknown_entries(mutation_score.load_equivalents(listed), tmp_path, count_mutants=True) == {}


def test_fingerprinting_an_entry_that_names_no_mutant_is_refused_with_its_line(tmp_path):
    pytest.importorskip("mutmut", reason="mutmut makes the mutants; `make mutation` installs it")
    write_module(tmp_path, "def f(x):\n    return x + 1\n")
    listed = tmp_path / "equivalents.txt"
    before = "survey.a.x_f__mutmut_1 why\nsurvey.a.x_f__mutmut_99 why\n"
    listed.write_text(before, encoding="utf-8")
    with pytest.raises(ValueError, match=r"^equivalents.txt:2: survey.a.x_f__mutmut_99 names no current mutant$"):
        mutation_score.write_fingerprints(["survey.a.*"], listed, tmp_path)
    assert listed.read_text(encoding="utf-8") == before


def test_mutmut_s_instrumented_copy_is_not_counted_again(tmp_path):
    """In mutants/ every module is already mutated: its names are checked, its mutants not counted."""
    (tmp_path / "survey").mkdir()
    (tmp_path / "survey" / "a.py").write_text("def x_f__mutmut_orig(x):\n    return x\ndef f(x):\n    return x\n",
                                              encoding="utf-8")
    assert mutation_score.unknown_entries({"survey.a.x_f__mutmut_99": mutation_score.Entry("why", None)}, tmp_path,
                                          count_mutants=True) == {}


def test_only_the_score_waits_for_every_entry_s_mutant_to_be_checked(tmp_path, monkeypatch, capsys):
    """Listing survivors for a rerun skips the minutes-long check of each entry's mutant; the
    check on its own (run first by `make mutation`) and the score do not."""
    pytest.importorskip("mutmut", reason="mutmut makes the mutants; `make mutation` installs it")
    listed = tmp_path / "equivalents.txt"
    listed.write_text("survey.observation.x_utcnow__mutmut_1 never checked\n", encoding="utf-8")
    monkeypatch.setattr(mutation_score, "EQUIVALENTS", listed)
    monkeypatch.setattr(mutation_score, "RESULTS", tmp_path / "mutants")  # no run yet
    assert mutation_score.main(["--survivor-names"]) == 0
    assert capsys.readouterr().err == ""
    assert mutation_score.main(["--check-equivalents"]) == 1
    assert "survey.observation.x_utcnow__mutmut_1: no diff: fingerprint" in capsys.readouterr().err
    assert mutation_score.main([]) == 1
