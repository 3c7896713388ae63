"""Hostile imports: peak memory and wall time for gzip bombs, and BibTeX import time against its size.

Run from anywhere:  .venv/bin/python benchmarks/import_hostile.py [--gib 1] [--bibtex 25000,50000,100000]

Files are generated under a temporary folder and removed. Each import runs in a child process
that reports its own peak RSS (VmHWM), so nothing of this script counts. The bombs are small
gzip files (about 1 MB) that decompress to ``--gib`` GiB held in one JSON Lines line, one JSON
record, one RIS record and one CSV cell, each between two good records: the import must keep the
good two, skip the bomb with one line, and stay under 500 MB. The BibTeX files hold 25k, 50k and
100k entries (about 140 bytes each): time must grow linearly with the entries (it was 16 s,
65 s and 256 s when line numbers were counted from the start of the file for every entry).
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RSS_LIMIT_MB = 500
IMPORT = (
    "import sys, re; from survey.corpus import import_corpus; "
    "r = import_corpus(sys.argv[1], sys.argv[2]); "
    "hwm = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1); "
    "print(r.imported, r.skipped, hwm, '|', r.reasons[0] if r.reasons else '')"
)
_PIECE = b"x" * (1 << 20)

# (file name, bytes before the bomb, bytes after it): the bomb is --gib GiB of 'x' between them
BOMBS = {
    "JSON Lines line": ("bomb.jsonl.gz", b'{"title": "Good one"}\n{"title": "Bomb", "abstract": "', b'"}\n{"title": "Good two"}\n'),
    "JSON record": ("bomb.json.gz", b'[{"title": "Good one"}, {"title": "Bomb", "abstract": "', b'"}, {"title": "Good two"}]'),
    "RIS record": ("bomb.ris.gz", b"TY  - JOUR\nTI  - Good one\nER  - \nTY  - JOUR\nTI  - Bomb\nAB  - ",
                   b"\nER  - \nTY  - JOUR\nTI  - Good two\nER  - \n"),
    "CSV cell": ("bomb.csv.gz", b'Title,Abstract\nGood one,a\nBomb,"', b'"\nGood two,b\n'),
}


def write_bomb(path: Path, before: bytes, after: bytes, gib: float) -> None:
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(before)
        for _ in range(int(gib * 1024)):
            out.write(_PIECE)
        out.write(after)


def write_bibtex(path: Path, entries: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(entries):
            out.write(f"@article{{key{i},\n  title = {{Entry number {i} on {{LSTM}} networks}},\n"
                      f"  year = {{{2000 + i % 25}}},\n  doi = {{10.1/x.{i}}}\n}}\n\n")


def run_import(path: Path, target: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", IMPORT, str(path), str(target)], capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return seconds, "FAILED: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    return seconds, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="GiB each bomb decompresses to (default 1; 0 skips the bombs)")
    parser.add_argument("--bibtex", default="25000,50000,100000", help="entries of each BibTeX file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="survey-hostile-") as tmp:
        folder = Path(tmp)
        for label, (name, before, after) in BOMBS.items() if args.gib > 0 else ():
            path = folder / name
            write_bomb(path, before, after, args.gib)
            seconds, out = run_import(path, folder / f"{name}.sqlite")
            if out.startswith("FAILED"):
                print(f"{label:16} {args.gib:g} GiB: {out}")
                continue
            imported, skipped, hwm, _, reason = out.split(" ", 4)
            mb = int(hwm) / 1024
            verdict = "ok" if mb <= RSS_LIMIT_MB and imported == "2" and skipped == "1" else "OVER"
            print(f"{label:16} {args.gib:g} GiB ({path.stat().st_size / 1e6:.1f} MB gz): wall {seconds:5.1f} s, "
                  f"peak RSS {mb:5.0f} MB (limit {RSS_LIMIT_MB}), imported {imported}, skipped {skipped} [{verdict}]")
            print(f"{'':16} skipped: {reason[:150]}")
            path.unlink()
        previous = None
        for entries in (int(n) for n in args.bibtex.split(",")):
            path = folder / f"refs{entries}.bib"
            write_bibtex(path, entries)
            seconds, out = run_import(path, folder / f"refs{entries}.sqlite")
            imported, _, hwm = out.split(" ")[:3]
            per = seconds / entries * 1e6
            growth = f", {per / previous:.2f}x the time per entry of the last" if previous else ""
            print(f"BibTeX {entries:>7,} entries ({path.stat().st_size / 1e6:.1f} MB): wall {seconds:5.1f} s, "
                  f"{per:5.1f} us/entry{growth}, peak RSS {int(hwm) / 1024:.0f} MB, imported {imported}")
            previous = per


if __name__ == "__main__":
    main()
