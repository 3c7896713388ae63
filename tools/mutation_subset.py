"""Mutation-test some modules against some test files only, in a scratch copy of the checkout.

    python tools/mutation_subset.py WORKDIR --mutate survey/store.py ... --tests tests/test_store.py ...

`make mutation` runs every test that reaches a mutated function, which on a small machine
takes hours for the whole core. This runs mutmut with the [tool.mutmut] settings of
pyproject.toml but only the given modules and test files, in WORKDIR (created or refreshed;
its mutants/ is kept between runs), then prints the score per module. A module's figure is
then what its own tests catch, a lower bound on what the whole suite catches.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("survey", "tests", "queries", "data", "tools", "pyproject.toml", "README.md", "reports", "mutation-equivalents.txt")


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--mutate", nargs="+", required=True, help="source files (globs as in only_mutate)")
    ap.add_argument("--tests", nargs="+", required=True, help="test files or node ids to run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rerun-survivors", action="store_true",
                    help="first run last time's survivors again (mutmut keeps a verdict until the code changes)")
    args = ap.parse_args(argv)

    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src, dst = ROOT / name, work / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            shutil.copy2(src, dst)
    config = (work / "pyproject.toml").read_text(encoding="utf-8")
    for key, value in (("only_mutate", args.mutate), ("pytest_add_cli_args_test_selection", args.tests)):
        config, n = re.subn(rf"(?ms)^{key} = \[.*?^\]|^{key} = \[.*?\]$", f"{key} = {toml_list(value)}", config)
        if n != 1:
            print(f"pyproject.toml: no single {key} in [tool.mutmut] to replace", file=sys.stderr)
            return 2
    (work / "pyproject.toml").write_text(config, encoding="utf-8")

    env = {**os.environ, "SURVEY_SHARED_DIR": os.environ.get("SURVEY_SHARED_DIR", str(ROOT.parent / "shared"))}
    mutmut = Path(sys.executable).with_name("mutmut")
    score = [sys.executable, str(work / "tools" / "mutation_score.py")]
    runs = [[]]
    if args.rerun_survivors:
        names = subprocess.run([*score, "--survivor-names"], cwd=work, capture_output=True, text=True).stdout.split()
        runs = [names, []] if names else runs
    with open(work / "mutmut.log", "w", encoding="utf-8") as log:  # progress and any failure, kept
        for names in runs:
            subprocess.run([str(mutmut), "run", "--max-children", str(args.jobs), *names], cwd=work, env=env,
                           check=False, stdout=log, stderr=subprocess.STDOUT)
    return subprocess.run(score, cwd=work).returncode


if __name__ == "__main__":
    sys.exit(main())
