"""Secrets masked in every form they take: registered or passed, named by a parameter or header,
in a URL's userinfo, percent-encoded; then cut short without leaving a prefix behind."""

from __future__ import annotations

import logging
import uuid

import pytest

from survey.redaction import REDACTED, clip, redact, register_secret, short


def test_a_secret_of_eight_characters_is_masked_and_one_of_seven_is_not():
    assert redact("a abcdefgh b", ["abcdefgh"]) == "a *** b"
    assert redact("a abcdefg b", ["abcdefg"]) == "a abcdefg b"
    assert redact("a abcdefg b", [None, ""]) == "a abcdefg b"


def test_a_registered_secret_is_masked_everywhere_after():
    secret = f"reg-PLANTED-{uuid.uuid4().hex[:8]}"  # new each run: the registry lasts as long as the process
    assert redact(f"x {secret} y") == f"x {secret} y"
    register_secret(secret)
    assert redact(f"x {secret} y") == "x *** y"
    assert clip(f"x {secret} y") == "x *** y"


def test_a_registered_value_too_short_to_mask_is_ignored():
    register_secret("q7Z-s1x")  # 7 characters: masking it would eat ordinary text
    register_secret(None)
    assert redact("q7Z-s1x") == "q7Z-s1x"


def test_nothing_to_redact_is_returned_as_it_came():
    assert redact("") == ""
    assert redact("plain text", ["not-in-there-1234"]) == "plain text"


def test_the_longest_secret_is_masked_first():
    # Masking the shorter one first would leave the longer one's tail behind.
    assert redact("x abcdefgh-longer y", ["abcdefgh", "abcdefgh-longer"]) == "x *** y"
    assert redact("x abcdefgh-longer y", ["abcdefgh-longer", "abcdefgh"]) == "x *** y"
    assert redact("x abcdefghi y", ["bcdefghi", "abcdefghi"]) == "x *** y"  # not by alphabet


def test_url_userinfo_is_masked_in_any_scheme():
    text = "see https://user:pa55word@host.org/x and svn+ssh://u@h/y, not mail@example.org"
    assert redact(text) == "see https://***@host.org/x and svn+ssh://***@h/y, not mail@example.org"


def test_secret_named_parameters_are_masked_in_any_case():
    text = "GET /w?API_KEY=abc123&q=x&token=t0k&apikey=k2&access_token=a3&key=k4&mykey=keep"
    assert redact(text) == "GET /w?API_KEY=***&q=x&token=***&apikey=***&access_token=***&key=***&mykey=keep"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("{'X-ApiKey': 'zzz999', 'Accept': 'x'}", "{'X-ApiKey': '***', 'Accept': 'x'}"),
        ('{"x-api-key": "abc", "q": 1}', '{"x-api-key": "***", "q": 1}'),
        ("X-APIKEY:abc def", "X-APIKEY:*** def"),
        ("Authorization: Bearer eyJhbGciOi.payload.sig", "Authorization: Bearer ***"),
        ("{'authorization': 'Basic dXNlcjpwYXNz'}", "{'authorization': 'Basic ***'}"),
        ("Authorization: Token t0k3n-value", "Authorization: Token ***"),
        ("Authorization: raw-key-value", "Authorization: ***"),
        ("my-key: kept", "my-key: kept"),
    ],
)
def test_secret_named_headers_are_masked_in_every_spelling(text, masked):
    assert redact(text) == masked


def test_short_collapses_whitespace_and_cuts_at_the_limit():
    assert short("a  b\n\tc ") == "a b c"
    assert short("x" * 160) == "x" * 160
    assert short("x" * 161) == "x" * 159 + "…"
    assert short("abcdef", 5) == "abcd…" and short("abcde", 5) == "abcde"
    assert short(12345) == "12345"


def test_clip_redacts_whole_then_cuts():
    secret = "clip-PLANTED-9b2c"  # passed, never registered
    text = "y" * 150 + " " + secret + " tail"
    assert clip(text, secrets=[secret]) == "y" * 150 + " *** tail"
    assert clip(text, 155, [secret]) == "y" * 150 + " ***…"
    assert clip("z" * 200) == "z" * 159 + "…"


@pytest.mark.parametrize("name", ["survey", "survey.http", "urllib3.connectionpool"])
def test_log_lines_are_redacted_on_every_logger_we_or_urllib3_write_to(caplog, name):
    with caplog.at_level(logging.DEBUG, logger=name):
        logging.getLogger(name).debug("GET %s", "/w?api_key=abc123secret&q=x")
    assert [r.getMessage() for r in caplog.records] == ["GET /w?api_key=***&q=x"]


def test_a_malformed_log_record_is_passed_on_untouched():
    record = logging.LogRecord("survey", logging.DEBUG, __file__, 1, "%d items api_key=abc123secret", ("nan",), None)
    assert logging.getLogger("survey").filter(record)
    assert (record.msg, record.args) == ("%d items api_key=abc123secret", ("nan",))


def test_a_secret_with_a_space_is_masked_however_the_space_is_encoded():
    key = "sp ace-PLANTED"
    assert redact("a=sp%20ace-PLANTED b=sp+ace-PLANTED", [key]) == "a=*** b=***"
    assert REDACTED == "***"


SECRET = "Planted-Key/9xQ+Zr"


@pytest.mark.parametrize(
    "form",
    [
        SECRET.lower(), SECRET.upper(), SECRET.swapcase(),
        "planted-key%2f9xq%2bzr", "Planted-Key%2F9xQ%2BZr",
        "%50%6c%61%6e%74%65%64%2D%4b%65%79%2F%39%78%51%2B%5A%72",  # every character encoded
        "%70%4C%41nted-KEY%2f9XQ%2Bzr",  # mixed
    ],
)
def test_a_secret_is_masked_in_any_letter_case_and_any_percent_encoding(form):
    assert redact(f"echo: {form}!", [SECRET]) == "echo: ***!"


def test_a_secret_is_masked_in_base64_at_every_alignment():
    import base64

    for prefix in (b"", b"u:", b"us:", b"use:"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(prefix + SECRET.encode()).decode()
            masked = redact(f"got {encoded} back", [SECRET])
            before, after = masked[len("got "):-len(" back")].split("***")
            # what is left: the prefix's own characters (one shares bits with the secret) and one or two at the end
            assert encoded.startswith(before) and len(before) <= len(encode(prefix).rstrip(b"=")) + 1, masked
            assert len(after.rstrip("=")) <= 2, masked


def test_masking_every_form_leaves_ordinary_text_alone():
    text = "planted keys in the 9xq+zr area; PLANTED-KEY9XQZR"
    assert redact(text, [SECRET]) == text


# This one's base64 holds "+" (alignments 0 and 2) and "/" (alignment 1): the URL-safe forms differ.
@pytest.mark.parametrize("secret", [SECRET, "k3y?~>?~>?~>?"])
def test_base64_masking_takes_exactly_the_characters_the_secret_alone_fixes(secret):
    import base64

    from survey import redaction

    # A secret's forms are built once a process (lru_cache); a test before this one (or a mutation
    # tool's first pass in the same process) may have built them already: build them here.
    redaction._forms.cache_clear()
    raw = secret.encode()
    for prefix in (b"", b"u:", b"us:", b"use:"):
        for suffix in (b"", b"\n", b"&n=1"):  # bytes after it (a JSON echo, a form) change its last characters
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                encoded = encode(prefix + raw + suffix).decode()
                # character i carries bits 6i to 6i+6 of the bytes; those all within the secret's are masked
                inside = [i for i in range(len(encoded)) if 6 * i >= 8 * len(prefix) and 6 * i + 6 <= 8 * len(prefix + raw)]
                want = encoded[:inside[0]] + "***" + encoded[inside[-1] + 1:]
                assert redact(f"got {encoded} back", [secret]) == f"got {want} back", (prefix, suffix, encode)
