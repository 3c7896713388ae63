"""What counts as a word in a corpus's indexes: FTS5's ``unicode61`` rule, plus a break between scripts.

``unicode61`` ends a word only at a character that is neither a letter nor a digit. Chinese,
Japanese and Korean are written without spaces, so a Latin term inside such text (``基于LSTM的``,
``LSTMを用いた``) would be one word with the characters around it and never match. Before text
is indexed, ``separate_scripts`` puts a zero-width space (a separator to ``unicode61``) wherever
a letter or digit of another script meets a CJK character. Text without such a meeting is
returned as it is, so its words, and every count over it, stay what they were.
"""

from __future__ import annotations

import re
import sqlite3

# Bumped whenever the rule changes: it is part of a corpus's identity, so counts made under
# another rule are fetched again rather than reused.
WORDS_VERSION = "2"
SEPARATOR = "\u200b"

# Han (with extensions A and compatibility), kana, Hangul syllables and jamo, half-width kana.
_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
_JUNCTION = re.compile(rf"(?<=[{_CJK}])(?=[^\W_{_CJK}])|(?<=[^\W_{_CJK}])(?=[{_CJK}])")


_ANY_CJK = re.compile(f"[{_CJK}]")


def separate_scripts(text: str | None) -> str | None:
    """``text`` with a separator between a CJK character and a letter or digit of another script."""
    # Most text has no CJK character at all: a plain character-class search settles that at a small
    # fraction of the cost of the junction pattern's lookarounds (50 us a text; 30 s of a 2M import).
    if not text or text.isascii() or not _ANY_CJK.search(text):
        return text
    return _JUNCTION.sub(SEPARATOR, text)


def register(conn: sqlite3.Connection) -> None:
    """Make ``separate_scripts(text)`` callable in SQL on ``conn``, for statements that index or unindex text."""
    conn.create_function("separate_scripts", 1, separate_scripts, deterministic=True)
