"""Opening an export: gzip by its magic bytes, then the text encoding.

UTF-8 (with or without a byte-order mark) and UTF-16/32 with a byte-order mark are read as
such; anything else that is not valid UTF-8 is given to charset-normalizer, and the encoding
it picks is reported so the user can overrule it with ``--encoding``. Bytes that cannot be
decoded are named by their offset in the (decompressed) file.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from survey.corpus.records import MAX_RECORD_CHARS
from survey.errors import CorpusFormatError

# The encoding is decided on this much of the file; a file no longer than it is decided whole.
HEAD_BYTES = 4 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_BROKEN = (EOFError, zlib.error, OSError)


@dataclass(frozen=True)
class Encoding:
    name: str  # a Python codec name
    note: str = ""  # why, when it is not plain UTF-8: shown to the user


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_binary(path: Path):
    """The file's bytes, gunzipped when it is gzip; a missing or unreadable file fails by name."""
    try:
        return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")
    except FileNotFoundError:
        raise CorpusFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CorpusFormatError(f"{path}: is a directory; expected a file of records") from None
    except OSError as exc:
        raise CorpusFormatError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_bytes(path: Path, size: int = -1) -> bytes:
    with open_binary(path) as fh:
        return read_limited(path, fh.read, size)


def read_limited(path: Path, read, size: int) -> bytes:
    """``read(size)``, a broken gzip stream failing by the file's name."""
    try:
        return read(size)
    except _BROKEN as exc:
        raise CorpusFormatError(f"{path}: cannot read: broken gzip data ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def choose(path: Path, head: bytes, whole: bool, override: str | None = None) -> Encoding:
    """The encoding to read ``path`` with, decided on ``head`` (all of the file when ``whole``)."""
    if override:
        try:
            name = codecs.lookup(override).name
        except LookupError:
            raise CorpusFormatError(f"--encoding {override!r}: unknown encoding; expected e.g. utf-8, cp1252, latin-1, gbk") from None
        return Encoding(name, f"read as {name} (--encoding)")
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Encoding(name, "" if name == "utf-8-sig" else f"read as {name} (byte-order mark)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=whole)  # a character cut at the end of the head is not an error
        return Encoding("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None or best.encoding is None:
        raise CorpusFormatError(
            f"{path}: byte offset {bad} is not valid UTF-8 and no other encoding fits; pass --encoding (e.g. cp1252, latin-1, gbk)"
        )
    name = codecs.lookup(best.encoding).name
    return Encoding(name, f"read as {name}: not valid UTF-8 at byte offset {bad}, encoding detected by charset-normalizer; "
                          "pass --encoding to override")


def decode(path: Path, data: bytes, encoding: Encoding) -> str:
    try:
        return data.decode(encoding.name)
    except UnicodeDecodeError as exc:
        raise _undecodable(path, encoding, exc.start) from None


def _undecodable(path: Path, encoding: Encoding, offset: int) -> CorpusFormatError:
    return CorpusFormatError(f"{path}: byte offset {offset} cannot be decoded as {encoding.name}; pass --encoding (e.g. cp1252, latin-1, gbk)")


def first_bad_offset(path: Path, encoding: str) -> int | None:
    """Where decoding fails, counted in bytes of the decompressed file; None if it does not."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open_binary(path) as fh:
        while chunk := fh.read(1 << 20):
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


class Overlong(int):
    """Stands for a line longer than the limit, read past unkept; its value is the line's length and
    ``head`` its first characters, enough to tell a record's first line."""

    head: str | bytes = ""

    @classmethod
    def of(cls, size: int, head) -> "Overlong":
        line = cls(size)
        line.head = head[:_HEAD]
        return line


_HEAD = 200


def bounded_lines(fh, limit: int):
    """The lines of ``fh`` (text or bytes), each an :class:`Overlong` instead when longer than ``limit``.

    ``readline`` with a size keeps memory to one bounded line whatever the file holds: a 1 GiB
    line is read in pieces and forgotten.
    """
    while line := fh.readline(limit + 1):
        if len(line) <= limit or line[-1:] in ("\n", "\r", b"\n"):
            yield line
        else:
            yield read_past(fh, line, limit)


def read_past(fh, line, limit: int) -> Overlong:
    """The rest of the line that ``line``, longer than ``limit``, began, read from ``fh`` and forgotten."""
    size, head = len(line), line[:_HEAD]
    while (piece := fh.readline(limit)) and piece[-1:] not in ("\n", "\r", b"\n"):
        size += len(piece)
    return Overlong.of(size + len(piece), head)


class TextStream:
    """The file as text lines, for the readers that stream; a line over ``limit`` characters is an Overlong."""

    def __init__(self, path: Path, encoding: Encoding, limit: int = MAX_RECORD_CHARS):
        self.path, self.encoding, self.limit = path, encoding, limit
        self._read_before = False  # read() strips a byte-order mark from its first text only

    def __enter__(self):
        self._raw = open_binary(self.path)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding.name, newline="")
        return self

    def __exit__(self, *exc):
        self._text.close()

    def read(self, size: int = -1) -> str:
        try:
            text = self._text.read(size)
            if not self._read_before:
                self._read_before = True
                return text.removeprefix("\ufeff")
            return text
        except UnicodeDecodeError:
            offset = first_bad_offset(self.path, self.encoding.name)
            raise _undecodable(self.path, self.encoding, offset if offset is not None else -1) from None

    def __iter__(self):
        try:
            first = self._text.readline(self.limit + 1)
            if first.startswith("\ufeff"):  # a BOM read as UTF-8 (--encoding utf-8) would hide the first tag
                first = first[1:]
            if first:
                yield from bounded_lines(_Again(first, self._text), self.limit)
        except UnicodeDecodeError:
            offset = first_bad_offset(self.path, self.encoding.name)
            raise _undecodable(self.path, self.encoding, offset if offset is not None else -1) from None
        except _BROKEN as exc:
            raise CorpusFormatError(f"{self.path}: cannot read past a broken stretch ({_short(exc)})") from None


class _Again:
    """A text file whose first line was read already: readline gives it back first."""

    def __init__(self, first: str, rest):
        self._first, self._rest = first, rest

    def readline(self, size: int = -1) -> str:
        if self._first is None:
            return self._rest.readline(size)
        line, self._first = self._first, None
        return line
