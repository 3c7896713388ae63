"""Speed of the evidence work on the full ACL Anthology corpus: `survey robustness`, and the report with every section.

    .venv/bin/python benchmarks/evidence_speed.py [--corpus PATH] [--repeat 3]

Imports the corpus into a throwaway SURVEY_HOME and refreshes the study matrix (`--by-year`),
then times:

- `survey robustness -q queries/lstm_vs_cnn.toml -s local:acl` through the CLI (CliRunner, one
  process): the first run counts and caches every variant, later runs read the cache;
- `write_report` with every section: the precision section from the committed labels in
  data/labels, the robustness section with its specification curve (variants counted above),
  the search appendix (which hashes the import file) and the manifest.

pandas, matplotlib and statsmodels are imported (and timed) before the first run, as a report
process has them loaded by then. Target: at most 3 s each (median). Exits 1 when one is over.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path,
                        default=REPO.parent / "shared" / "corpora" / "acl-anthology" / "papers.jsonl.gz")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"no corpus at {args.corpus}; pass --corpus PATH", file=sys.stderr)
        return 2

    t = time.perf_counter()
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401
    import statsmodels.stats.proportion  # noqa: F401
    from click.testing import CliRunner

    from survey.cli import main as cli
    from survey.reporting import write_report

    print(f"imports (pandas, matplotlib, statsmodels, survey): {time.perf_counter() - t:.2f} s, once per process")

    from survey.config import Settings
    from survey.corpus.index import import_corpus
    from survey.query_file import load_matrix
    from survey.refreshing import plan, run
    from survey.sources import make_source
    from survey.store import Store

    query = REPO / "queries" / "lstm_vs_cnn.toml"
    matrix = load_matrix(query)
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        home = Path(tmp)
        settings = Settings(home=home, env={})
        imported = import_corpus(args.corpus, settings.corpora_dir / "acl.sqlite")
        print(f"import: {imported.imported:,} records")
        source = make_source("local:acl", settings)
        with Store(settings.cache_path) as store:
            run(plan(matrix, {"local:acl": source}, store, by_year=True), {"local:acl": source}, store)
        source.close()

        robustness = []
        for i in range(args.repeat):
            t = time.perf_counter()
            result = CliRunner().invoke(cli, ["--home", str(home), "--no-progress", "robustness", "-q", str(query),
                                              "-s", "local:acl", "--format", "csv"])
            robustness.append(time.perf_counter() - t)
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                return 2
            rows = len(result.stdout.splitlines()) - 1
            print(f"survey robustness run {i + 1}: {robustness[-1]:.2f} s ({rows} rows; "
                  f"{'counted and cached' if i == 0 else 'from the cache'})")

        reports = []
        with Store(settings.cache_path) as store:
            for i in range(args.repeat):
                result = write_report(matrix, store, settings, home / "reports" / "lstm_vs_cnn.md",
                                      results_path=REPO / "data" / "experiments" / "reference.json",
                                      labels=[REPO / "data" / "labels"])
                reports.append(result.seconds)
                print(f"write_report run {i + 1}: {result.seconds:.2f} s ({len(result.figures)} figures)")
            text = result.path.read_text(encoding="utf-8")
            assert ". Labelled precision" in text and "| CNN:total |" in text, "labels not shown"
            assert "specification_curve.png" in text and ". Search appendix (PRISMA-S)" in text

    failed = False
    for what, times in (("survey robustness (study matrix, full ACL)", robustness),
                        ("report with every section (full ACL)", reports)):
        median = statistics.median(times)
        over = median > TARGET_S
        failed |= over
        print(f"{what}: median {median:.2f} s, best {min(times):.2f} s over {len(times)} runs "
              f"({'OVER' if over else 'within'} the {TARGET_S:.0f} s target)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
