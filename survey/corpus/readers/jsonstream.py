"""A JSON document's records, one at a time, through a bounded window of its bytes.

A JSON array of records, or an API page holding one (``results``, ``data``, ``items``,
``records``, Crossref's ``message.items``), is cut into its records by a scanner that follows
strings and brackets only; each record is then parsed alone by orjson. A record over
MAX_RECORD_CHARS bytes is read past, never held, and named; the records around it are kept.
Not ijson: it builds every string whole, so one 1 GiB string in a record costs 1 GiB of memory
before any limit could apply.
"""

from __future__ import annotations

import re
from typing import Iterator

import orjson

from survey.corpus.records import MAX_RECORD_CHARS

PAGE_KEYS = (b"results", b"data", b"items", b"records")
_CHUNK = 1 << 20
_SPACE = b" \t\r\n"
_STRING_END = re.compile(rb'["\\]')
_STRUCTURE = re.compile(rb'["\[\]{}]')
_SCALAR_END = re.compile(rb"[\s,\]}:]")


_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


class NotJson(ValueError):
    pass


class _Scanner:
    """The bytes of a file, consumed from the front; the window holds what is not yet consumed."""

    def __init__(self, fh):
        self._fh, self._buf, self._pos, self._eof = fh, b"", 0, False
        self.offset = 0  # bytes of the file consumed before the window

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._fh.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self.offset += self._pos
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> bytes:
        """The next byte that is not white space ('' at the end), left unconsumed."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _SPACE:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos : self._pos + 1]
            if not self._fill():
                return b""

    def take(self, expected: bytes) -> None:
        if self.peek() != expected:
            raise NotJson(f"expected {expected.decode()!r} at byte {self.where()}, found {self.peek().decode(errors='replace')!r}")
        self._pos += 1

    def where(self) -> int:
        return self.offset + self._pos

    def value(self, limit: int) -> bytes | int:
        """The next JSON value's bytes, or its length when longer than ``limit`` (read past, not kept)."""
        self.peek()
        kept: list[bytes] = []
        size = depth = 0
        state = "start"  # start, string, escape (the byte after a backslash), structure, scalar
        i = start = self._pos
        while True:
            buf = self._buf
            if i >= len(buf):
                size += i - start
                kept.append(buf[start:i]) if size <= limit else kept.clear()
                self._pos = i
                if not self._fill():
                    if state == "scalar":
                        break
                    raise NotJson(f"the document ends inside a value (byte {self.where()})")
                i = start = self._pos
                continue
            if state == "start":
                c = buf[i : i + 1]
                state = "string" if c == b'"' else "structure" if c in b"[{" else "scalar"
                depth = 1 if state == "structure" else 0
                i += 1 if state != "scalar" else 0
            elif state == "escape":
                i, state = i + 1, "string"
            elif state == "string":
                m = _STRING_END.search(buf, i)
                if m is None:
                    i = len(buf)
                elif m.group() == b"\\":
                    i, state = m.end(), "escape"
                else:
                    i = m.end()
                    if depth == 0:
                        break
                    state = "structure"
            elif state == "scalar":
                m = _SCALAR_END.search(buf, i)
                if m is None:
                    i = len(buf)
                else:
                    i = m.start()
                    break
            else:
                m = _STRUCTURE.search(buf, i)
                if m is None:
                    i = len(buf)
                    continue
                i = m.end()
                c = m.group()
                if c == b'"':
                    state = "string"
                elif c in b"[{":
                    depth += 1
                else:
                    depth -= 1
                    if depth == 0:
                        break
        size += i - start
        self._pos = i
        if size > limit:
            return size
        kept.append(self._buf[start:i])
        return b"".join(kept)


def records(fh) -> Iterator[tuple[int, object]]:
    """(record number, the parsed record, or the size of one over the limit) for each record of the document.

    Raises NotJson where the document itself is not a JSON array or page of records.
    """
    scan = _Scanner(fh)
    first = scan.peek()
    if first == b"[":
        yield from _array(scan)
    elif first == b"{":
        single = yield from _page(scan)
        if single is not None:
            _end(scan)  # a single record is taken only when the file holds nothing else (not JSON Lines)
            yield 1, single
    elif first:
        raw = scan.value(MAX_RECORD_CHARS)
        kind = "value" if isinstance(raw, int) else _TYPES.get(type(_parsed(raw, 0)), "null")
        raise NotJson(f"found no list of records (top level: {kind})")
    else:
        raise NotJson("not valid JSON (the file holds only white space)")
    _end(scan)


def _end(scan: _Scanner) -> None:
    if scan.peek():
        raise NotJson(f"unexpected data after the document at byte {scan.where()}")


def _array(scan: _Scanner) -> Iterator[tuple[int, object]]:
    scan.take(b"[")
    number = 0
    if scan.peek() == b"]":
        scan.take(b"]")
        return
    while True:
        number += 1
        raw = scan.value(MAX_RECORD_CHARS)
        yield number, raw if isinstance(raw, int) else _parsed(raw, number)
        if scan.peek() == b",":
            scan.take(b",")
            continue
        scan.take(b"]")
        return


def _parsed(raw: bytes, number: int):
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = f" in record {number}" if number else ""
        raise NotJson(f"not valid JSON{where} ({str(exc)[:100]})") from None


def _page(scan: _Scanner, inner: bool = False):
    """An object: yields the records of its first list under a page key; else returns the object, one record."""
    scan.take(b"{")
    seen: list[bytes] = []  # the members read past, kept while the object may turn out to be one record
    size = 0
    while scan.peek() != b"}":
        if seen or size:
            scan.take(b",")
        key_raw = scan.value(MAX_RECORD_CHARS)
        if isinstance(key_raw, int):
            raise NotJson(f"an object key over {MAX_RECORD_CHARS:,} bytes at byte {scan.where()}")
        key = _parsed(key_raw, 0)
        scan.take(b":")
        kind = scan.peek()
        if kind == b"[" and key.encode() in PAGE_KEYS:
            yield from _array(scan)
            _rest_of_object(scan)
            return None
        if kind == b"{" and key == "message" and not inner:  # Crossref: message.items
            single = yield from _page(scan, inner=True)
            if single is not None:  # a message with no items is an error page
                raise NotJson("found no list of records (top level: message)")
            _rest_of_object(scan)
            return None
        value = scan.value(MAX_RECORD_CHARS - size)
        size += value if isinstance(value, int) else len(value) + len(key_raw) + 1
        if size <= MAX_RECORD_CHARS:
            seen.append(key_raw + b":" + value)
    scan.take(b"}")
    if size > MAX_RECORD_CHARS:
        return size
    doc = _parsed(b"{" + b",".join(seen) + b"}", 1)
    if inner or "title" in doc or "display_name" in doc:  # a single record, pretty-printed
        return doc
    raise NotJson(f"found no list of records (top level: {', '.join(list(doc)[:8])})")


def _rest_of_object(scan: _Scanner) -> None:
    while scan.peek() == b",":
        scan.take(b",")
        scan.value(0)  # the key
        scan.take(b":")
        scan.value(0)
    scan.take(b"}")
