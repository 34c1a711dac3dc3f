"""Numbers read from button values: only what the bot draws counts, anything else is no choice."""

import pytest

from bot.flows.values import index, number


@pytest.mark.parametrize(
    ("value", "prefix", "expected"),
    [("0", "", 0), ("42", "", 42), ("d7", "d", 7), ("r120", "r", 120)],
)
def test_number_reads_the_digits_after_the_prefix(value: str, prefix: str, expected: int) -> None:
    assert number(value, prefix) == expected


@pytest.mark.parametrize(
    ("value", "prefix"),
    [("", ""), ("d", "d"), ("x3", "d"), ("3", "d"), ("-1", ""), ("1.5", ""), ("²", ""), ("1 ", "")],
)
def test_number_refuses_anything_else(value: str, prefix: str) -> None:
    assert number(value, prefix) is None


def test_index_names_one_of_the_options_or_none() -> None:
    assert index("0", 3) == 0
    assert index("2", 3) == 2
    assert index("3", 3) is None
    assert index("m1", 2, "m") == 1
    assert index("m2", 2, "m") is None
    assert index("1", 0) is None
