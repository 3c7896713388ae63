"""Scale benchmark: a 20-fold copy of the ACL Anthology (about 2.18M records), imported and counted.

Run from anywhere:  .venv/bin/python benchmarks/corpus_scale.py [--copies 20]

Every copy's titles are made unique (a token ``cpN`` is appended), so dedup merges exactly what
it merges in one copy and every count is exactly ``copies`` times the single corpus's. Prints
the parse floor of the large file (read and ``json.loads`` every line, nothing else) and, in the
same run, the import's time and peak RSS (run in a child process, so nothing else counts), the
study matrix with trend on the large corpus, and whether every count is exactly the multiple.
With ``--index-floor``, also the CPU that FTS5 alone spends indexing the same text (the least any
import building this index spends besides the parse floor). Then the whole ``survey refresh
--by-year --force`` command on the large corpus against the start-up of ``survey --help``, and that start-up against ``python -c "import click"``.

The machine is shared, so targets are ratios to figures measured in the same run: import
<= 3x the parse floor, peak RSS <= 400 MB, the refresh command <= 0.5 s beyond ``survey
--help``, ``survey --help`` <= 2x ``import click``; counts exactly 20x.

The import builds the stemmed index only; the exact-word index is built the first time a query
with an exact term meets the corpus. That one-off cost is timed and printed too, with a check
that exact counts are 20x as well (it has no target of its own).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from survey.matrix import AllOf, AnyOf, Phrase, Term  # noqa: E402

from survey.query_file import load_matrix  # noqa: E402
from survey.sources.local import LocalSource  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "acl-anthology" / "papers.jsonl.gz"
QUERY = REPO / "queries" / "lstm_vs_cnn.toml"
TARGETS = {"floor_ratio": 3.0, "rss_mb": 400.0, "matrix": 0.5, "refresh_beyond_help": 0.5, "help_ratio": 2.0}
SURVEY = Path(sys.executable).with_name("survey")
COMMAND_REPEATS = 5
# The child reports its own peak RSS (VmHWM): getrusage's figure for a child also counts the
# parent's memory it was forked from, which here holds a copy of the whole corpus.
IMPORT = (
    "import sys, re; from survey.corpus import import_corpus; "
    "r = import_corpus(sys.argv[1], sys.argv[2]); "
    "hwm = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1); "
    "import os, time; t = os.times(); "
    "print(r.read, r.imported, r.duplicates, r.skipped, f'{r.seconds:.2f}', hwm, f'{t.user + t.system:.1f}', "
    "f'{time.thread_time():.1f}')"
)


def write_copies(copies: int, out: Path) -> int:
    lines = 0
    with gzip.open(CORPUS, "rb") as src:
        records = [json.loads(line) for line in src]
    with open(out, "w", encoding="utf-8") as dst:
        for k in range(copies):
            for r in records:
                dst.write(json.dumps(dict(r, title=f"{r['title']} cp{k}")) + "\n")
                lines += 1
    return lines


def parse_floor(path: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) to read ``path`` and ``json.loads`` every line: what any import of it must spend."""
    opener = gzip.open if path.suffix == ".gz" else open
    started, cpu = time.perf_counter(), time.process_time()
    with opener(path, "rb") as lines:
        for line in lines:
            json.loads(line)
    return time.perf_counter() - started, time.process_time() - cpu


def index_floor(path: Path, folder: Path) -> float:
    """CPU seconds FTS5 alone spends indexing the titles and abstracts of ``path`` into a table like
    the corpus's (same tokenizer and settings, batches of the import's size), with nothing else
    timed: the least CPU any import that builds this index must spend besides the parse floor."""
    import sqlite3

    import orjson

    from survey.corpus.build import PAGE_SIZE, _configure_for_loading, _fts_table
    from survey.corpus.loading import _BATCH
    from survey.corpus.query import STEMMED, STEMMED_TOKENIZER

    db = folder / "index-floor.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute(_fts_table(STEMMED, STEMMED_TOKENIZER))
    _configure_for_loading(conn, STEMMED)
    insert = f"INSERT INTO {STEMMED} (rowid, title, abstract) VALUES (?, ?, ?)"
    spent, batch = 0.0, []

    def index(rows):
        nonlocal spent
        started = time.process_time()
        conn.executemany(insert, rows)
        spent += time.process_time() - started

    with open(path, "rb") as lines:
        for n, line in enumerate(lines, 1):
            record = orjson.loads(line)
            batch.append((n, record.get("title") or "", record.get("abstract") or ""))
            if len(batch) == _BATCH:
                index(batch)
                batch = []
    index(batch)
    started = time.process_time()
    conn.commit()
    spent += time.process_time() - started
    conn.close()
    db.unlink()
    return spent


def command_time(args: list[str], env: dict) -> float:
    """Median wall time of a whole command (start-up included) over COMMAND_REPEATS runs, after one
    unmeasured run. Bytecode is written and read as an installed package's is (a shell with
    PYTHONDONTWRITEBYTECODE would compile every module of survey at each start, and none of click)."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(args, capture_output=True, check=True, cwd=REPO, env=env)
    times = []
    for _ in range(COMMAND_REPEATS):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, cwd=REPO, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed_import(source: Path, target: Path) -> tuple[list[str], float, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", IMPORT, str(source), str(target)], capture_output=True, text=True,
                          cwd=REPO, check=True)
    wall = time.perf_counter() - started
    fields = done.stdout.split()
    return fields, wall, int(fields[5]) / 1024


def matrix_counts(source, matrix, years):
    counts = {}
    for cell in matrix.cells:
        for w in matrix.windows:
            counts[cell.label, w.name] = source.count(cell.query, w.start, w.end)
        counts[cell.label, "trend"] = source.count_by_year(cell.query, years[0], years[-1])
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--big", type=Path, help="keep the large JSON Lines file here (and reuse it if it is there) "
                                                  "rather than in a temporary folder")
    parser.add_argument("--index-floor", action="store_true",
                        help="also time FTS5 alone indexing the large file's text (about a minute more)")
    args = parser.parse_args()
    if not CORPUS.is_file():
        print(f"{CORPUS} is absent: this benchmark needs the ACL Anthology corpus from ../shared", file=sys.stderr)
        return 2
    matrix = load_matrix(QUERY)
    years = matrix.trend.years(date.today().year)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        single_fields, single_wall, _ = timed_import(CORPUS, tmp / "one.sqlite")
        print(f"single corpus: read {single_fields[0]}, imported {single_fields[1]} in {single_wall:.1f} s")
        started = time.perf_counter()
        big = args.big or tmp / "acl20.jsonl"
        if big.is_file():
            print(f"reusing {big} ({big.stat().st_size / 1e9:.2f} GB)")
        else:
            lines = write_copies(args.copies, big)
            print(f"wrote {lines} records ({big.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.1f} s")
        floor, floor_cpu = parse_floor(big)
        print(f"parse floor (read + json.loads every line): {floor:.1f} s ({floor_cpu:.1f} s CPU)")
        home = tmp / "home"
        (home / "corpora").mkdir(parents=True)
        fields, wall, rss_mb = timed_import(big, home / "corpora" / "big.sqlite")
        floor_after, floor_cpu_after = parse_floor(big)
        indexing = index_floor(big, tmp) if args.index_floor else None
        if not args.big:
            big.unlink()
        floor = min(floor, floor_after)  # the floor measured before and after: the machine is shared
        print(f"parse floor again after the import: {floor_after:.1f} s ({floor_cpu_after:.1f} s CPU)")
        print(f"import: {wall:.1f} s wall ({fields[4]} s inside import_corpus), peak RSS {rss_mb:.0f} MB "
              f"(read {fields[0]}, imported {fields[1]}, duplicates {fields[2]}, skipped {fields[3]}) "
              f"load average {os.getloadavg()[0]:.1f}")
        # On a busy machine wall time is mostly waiting; CPU time says what the import itself spent,
        # and the reading thread's share is its critical path when the two threads each have a core.
        print(f"import CPU: {fields[6]} s in all, {fields[7]} s on the reading thread; parse floor CPU "
              f"{min(floor_cpu, floor_cpu_after):.1f} s")
        print(f"import / parse floor: {wall:.1f} / {floor:.1f} s = {wall / floor:.2f}x  "
              f"targets <= {TARGETS['floor_ratio']:.0f}x, <= {TARGETS['rss_mb']:.0f} MB")
        if indexing is not None:
            # Two cores share the import's work: its CPU in all over two is the least wall time it can
            # take, and the index alone is most of that CPU.
            print(f"index floor (FTS5 alone indexing the same titles and abstracts, one core): {indexing:.1f} s CPU "
                  f"= {indexing / floor:.2f}x the parse floor; parse + index floors on two cores: at least "
                  f"{(floor_cpu + indexing) / 2:.1f} s = {(floor_cpu + indexing) / 2 / floor:.2f}x")
        env = dict(os.environ, SURVEY_HOME=str(home))
        help_time = command_time([str(SURVEY), "--help"], env)
        click_time = command_time([sys.executable, "-c", "import click"], env)
        refresh_time = command_time([str(SURVEY), "-q", "refresh", "-q", str(QUERY), "-s", "local:big", "--by-year",
                                     "--force"], env)
        print(f"survey refresh -q {QUERY.relative_to(REPO)} -s local:big --by-year --force: {refresh_time:.3f} s, "
              f"survey --help {help_time:.3f} s: {refresh_time - help_time:.3f} s beyond start-up  "
              f"target <= {TARGETS['refresh_beyond_help']} s")
        print(f"survey --help {help_time * 1000:.0f} ms, python -c 'import click' {click_time * 1000:.0f} ms: "
              f"{help_time / click_time:.2f}x  target <= {TARGETS['help_ratio']:.0f}x  (medians of {COMMAND_REPEATS})")
        one = LocalSource(tmp / "one.sqlite", "one")
        many = LocalSource(home / "corpora" / "big.sqlite", "big")
        expected = matrix_counts(one, matrix, years)
        times = []
        for _ in range(3):
            # A corpus opened afresh each time: an open one keeps each query's matches per year.
            started = time.perf_counter()
            fresh = LocalSource(home / "corpora" / "big.sqlite", "big")
            got = matrix_counts(fresh, matrix, years)
            fresh.close()
            times.append(time.perf_counter() - started)
        matrix_time = statistics.median(times)

        def times_n(value):
            return {y: n * args.copies for y, n in value.items()} if isinstance(value, dict) else value * args.copies

        wrong = [key for key in expected if got[key] != times_n(expected[key])]
        print(f"matrix with trend ({len(matrix.cells)} cells x {len(matrix.windows)} windows + per-year {years[0]}-{years[-1]}): "
              f"first {times[0]:.3f} s, median of 3 {matrix_time:.3f} s  target <= {TARGETS['matrix']} s")
        print(f"counts exactly {args.copies}x the single corpus: {'yes' if not wrong else 'NO: ' + ', '.join(map(str, wrong[:5]))}")
        exact = AllOf((AnyOf((Term("lstm", exact=True), Phrase(("neural", "network"), exact=True))),))
        started = time.perf_counter()
        exact_big = many.count(exact, 2006, 2026)
        first_exact = time.perf_counter() - started
        exact_one = one.count(exact, 2006, 2026)
        print(f"first exact-term count (builds the exact-word index of the large corpus): {first_exact:.1f} s; "
              f"{exact_big} = {args.copies} x {exact_one}: {'yes' if exact_big == args.copies * exact_one else 'NO'}")
        wrong += [] if exact_big == args.copies * exact_one else ["exact"]
        one.close()
        many.close()
    ok = (wall <= TARGETS["floor_ratio"] * floor and rss_mb <= TARGETS["rss_mb"] and matrix_time <= TARGETS["matrix"]
          and refresh_time - help_time <= TARGETS["refresh_beyond_help"] and help_time <= TARGETS["help_ratio"] * click_time
          and not wrong)
    print(f"targets {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
