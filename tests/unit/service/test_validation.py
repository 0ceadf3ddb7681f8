"""Input validation without a vault: nesting, surrogates, numbers, metadata, filters, cursors."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memvault.domain import limits
from memvault.domain.errors import InvalidInput
from memvault.service import validation as v
from memvault.vault.rows import TOO_DEEP, stored_metadata
from tests.helpers.budget import examples


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def depth_of(value: object) -> int:
    """Levels of objects and arrays (recursive: only for data already known to be bounded)."""
    if isinstance(value, dict):
        return 1 + max((depth_of(x) for x in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(x) for x in value), default=0)
    return 0


def test_metadata_depth_limit_is_exact():
    assert v.metadata(nested(limits.METADATA_MAX_DEPTH)) == nested(limits.METADATA_MAX_DEPTH)
    with pytest.raises(InvalidInput, match="levels deep"):
        v.metadata(nested(limits.METADATA_MAX_DEPTH + 1))
    with pytest.raises(InvalidInput, match="levels deep"):
        v.metadata({"list": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})


def test_metadata_size_and_keys():
    with pytest.raises(InvalidInput, match=str(limits.METADATA_MAX_BYTES)):
        v.metadata({"k": "x" * (limits.METADATA_MAX_BYTES + 1)})
    with pytest.raises(InvalidInput, match="keys"):
        v.metadata({f"k{i}": i for i in range(limits.METADATA_MAX_KEYS + 1)})


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\udc00x"])
def test_lone_surrogates_are_refused_everywhere(bad):
    for call in (lambda: v.content(bad), lambda: v.optional_id(bad, "agent_id"), lambda: v.tags([bad]),
                 lambda: v.metadata({bad: 1}), lambda: v.metadata({"k": [bad]}),
                 lambda: v.metadata_filter({"k": bad}), lambda: v.parse_json(json.dumps({"x": bad}))):
        with pytest.raises(InvalidInput, match="surrogate"):
            call()


def test_paired_surrogates_are_ordinary_text():
    assert v.content("emoji \U0001f600") == "emoji \U0001f600"
    assert v.parse_json('{"x": "\\ud83d\\ude00"}') == {"x": "\U0001f600"}


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999", '{"a": NaN}', "9" * 5000])
def test_non_numbers_and_endless_numbers_are_refused(raw):
    with pytest.raises(InvalidInput):
        v.parse_json(raw)


def test_hostile_nesting_is_refused_without_recursion_errors():
    for depth in (limits.JSON_BODY_MAX_DEPTH + 1, 5_000, 200_000):
        with pytest.raises(InvalidInput, match="levels deep"):
            v.parse_json("[" * depth + "]" * depth)
    assert v.parse_json("[" * 10 + "]" * 10) == nested_list(10)


def nested_list(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_bad_syntax_is_invalid_input_or_a_decode_error():
    with pytest.raises(InvalidInput, match="not valid JSON"):
        v.parse_json("{nope")
    with pytest.raises(json.JSONDecodeError):
        v.loads_strict("{nope")
    with pytest.raises(InvalidInput, match="UTF-8"):
        v.parse_json(b'{"a": "\xff"}')


def test_metadata_filter_limits_and_big_integers():
    with pytest.raises(InvalidInput, match="1001 keys"):
        v.metadata_filter({f"k{i}": i for i in range(1001)})
    with pytest.raises(InvalidInput, match="keys must be"):
        v.metadata_filter({"": 1})
    with pytest.raises(InvalidInput, match="levels deep"):
        v.metadata_filter({"k": nested(40)})
    # SQLite binds no integer beyond 64 bits; stored JSON reads such numbers as doubles, and so does the filter.
    assert v.metadata_filter({"n": 2**63}) == {"n": float(2**63)}
    assert v.metadata_filter({"n": 2**63 - 1}) == {"n": 2**63 - 1}
    assert v.metadata_filter({"b": True}) == {"b": True}


@pytest.mark.parametrize("bad", ["", "x" * (limits.CURSOR_MAX_CHARS + 1), "a b", "%%%", "ab=", 5])
def test_cursor_shape(bad):
    with pytest.raises(InvalidInput, match="cursor"):
        v.cursor(bad)


def test_cursor_passes_what_the_server_issues():
    assert v.cursor("WzE3MDAwMDAwMDAuMCwgNDJd") == "WzE3MDAwMDAwMDAuMCwgNDJd" and v.cursor(None) is None


def test_stored_metadata_of_any_depth_reads_back_bounded():
    deep = json.dumps({"keep": 1, "deep": nested(300)})
    out = stored_metadata(deep)
    assert out["keep"] == 1 and depth_of(out) == limits.METADATA_MAX_DEPTH
    cut = out
    while isinstance(cut, dict):
        cut = cut.get("deep", cut.get("a"))
    assert cut == TOO_DEEP
    endless = '{"a": ' * 100_000 + "1" + "}" * 100_000  # deeper than the JSON decoder goes
    assert stored_metadata(endless) == {"_memvault": TOO_DEEP}
    shallow = {"a": [1, {"b": "c"}], "d": None}
    assert stored_metadata(json.dumps(shallow)) == shallow


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=20))
def test_json_that_passes_the_checks_round_trips(value):
    doc = {"v": value}
    assert v.parse_json(json.dumps(doc)) == doc
    assert stored_metadata(json.dumps(doc)) == doc


def test_nul_is_refused_in_tags_and_metadata_keys_as_in_content():
    for call in (lambda: v.tags(["a\x00"]), lambda: v.metadata({"a\x00": 1}), lambda: v.content("a\x00")):
        with pytest.raises(InvalidInput, match="NUL"):
            call()
    assert v.tags(["a"]) == ("a",) and v.metadata({"a": "b\x00c"}) == {"a": "b\x00c"}  # a value is JSON text


def test_a_metadata_filter_refuses_an_operator_it_would_compare_as_a_literal():
    with pytest.raises(InvalidInput, match=r"operators such as '\$ne' are not supported"):
        v.metadata_filter({"src": {"$ne": "x"}})
    assert v.metadata_filter({"src": {"a": 1}, "n": 5}) == {"src": {"a": 1}, "n": 5}  # objects match by equality


@pytest.mark.parametrize("name", ["persönlich", "日記", "ok name", "-dash-first", ""])
def test_a_namespace_outside_ascii_letters_is_refused_saying_which_letters(name):
    with pytest.raises(InvalidInput, match="letters a-z or A-Z.*no accented letters or other scripts"):
        v.namespace(name)


def values_in(value: object) -> int:
    if isinstance(value, dict):
        return 1 + sum(values_in(x) for x in value.values())
    if isinstance(value, list):
        return 1 + sum(values_in(x) for x in value)
    return 1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from('a,[]{}"\\:é\n ')),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(alphabet=',[{"\\k', max_size=4), inner,
                                                                max_size=4), max_leaves=30)


@settings(max_examples=examples(300))
@given(JSON_VALUES, st.sampled_from([(", ", ": "), (",", ":")]), st.booleans(), st.sampled_from(["utf-8", "utf-16"]))
def test_a_body_is_refused_for_its_values_exactly_when_it_holds_more_than_the_limit(value, separators, ascii_only,
                                                                                     encoding):
    # Commas, brackets, quotes and backslashes inside strings and keys must not count; strings are values.
    raw = json.dumps(value, separators=separators, ensure_ascii=ascii_only).encode(encoding)
    count = values_in(value)
    assert v.loads_strict(raw, max_values=count) == value
    if count > 1:
        with pytest.raises(InvalidInput, match=f"holds more than {count - 1:,} JSON values"):
            v.loads_strict(raw, max_values=count - 1)


def test_a_body_of_millions_of_tiny_values_is_refused_before_it_is_parsed():
    # Here the parse alone cost 5 CPU-s (24 MiB of empty lists); counting refuses it without building one.
    raw = b"[" + b"[]," * 4_000_000 + b"[]]"
    with pytest.raises(InvalidInput, match="holds more than 600,000 JSON values"):
        v.loads_strict(raw, max_values=600_000)
    # Four million commas inside one string are one value.
    assert v.loads_strict(b'["' + b"," * 4_000_000 + b'"]', max_values=600_000) == ["," * 4_000_000]


def test_a_number_out_of_range_is_not_echoed_whole():
    # {"expires_in_seconds": 1e300} came back with its 301 digits in the message.
    with pytest.raises(InvalidInput) as caught:
        v.ttl(int(1e300))
    assert caught.value.message.endswith("(got a number of 301 digits)") and len(caught.value.message) < 120
    with pytest.raises(InvalidInput, match=r"\(got 0\)"):
        v.ttl(0)
