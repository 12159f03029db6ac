import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqsum.core.domain import Domain
from seqsum.core.parse import MAX_INPUT_CHARS, ParseError, parse_expression

D = Domain()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12+34", (12, 34)),
        (" 12 + 34 ", (12, 34)),
        ("07+3", (7, 3)),
        ("0+0", (0, 0)),
        ("99+99", (99, 99)),
        ("0007+0003", (7, 3)),
        ("5+6\r\n", (5, 6)),
        ("\t5+6", (5, 6)),
    ],
)
def test_accepts_what_a_person_types(text, expected):
    assert parse_expression(text, D) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty input"),
        ("   ", "empty input"),
        ("١٢+3", "not an ASCII digit"),
        ("²+3", "not an ASCII digit"),
        ("-5+3", "signs are not supported"),
        ("5+-3", "signs are not supported"),
        ("1.5+3", "decimals are not supported"),
        ("1,5+3", "decimals are not supported"),
        ("1e2+3", "exponents are not supported"),
        ("12+", "missing number in term 2"),
        ("12++34", "missing number in term 2"),
        ("+12", "missing number in term 1"),
        ("12", "1 number given"),
        ("1+2+3", "3 numbers given"),
        ("100+1", "100 is too large"),
        ("1 2+3", "space inside the number"),
        ("3*4", "only addition"),
        ("abc", "unexpected character 'a'"),
        ("1\x002", "NUL byte"),
        ("9" * (MAX_INPUT_CHARS + 1), "input too long"),
    ],
)
def test_rejects_with_a_specific_reason(text, reason):
    with pytest.raises(ParseError) as caught:
        parse_expression(text, D)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_domain_errors_name_the_domain():
    with pytest.raises(ParseError, match="this model adds 2 numbers from 0 to 99"):
        parse_expression("1+2+3", D)
    with pytest.raises(ParseError, match="adds 3 numbers from 0 to 999"):
        parse_expression("1000+1+1", Domain(3, 999))


@given(st.data())
def test_any_valid_sum_with_spaces_and_leading_zeros_parses_back(data):
    d = data.draw(st.builds(Domain, st.integers(2, 5), st.integers(1, 9999)))
    operands = data.draw(st.lists(st.integers(0, d.max_operand), min_size=d.terms, max_size=d.terms))
    pads = st.text(alphabet=" ", max_size=3)
    parts = [data.draw(pads) + "0" * data.draw(st.integers(0, 3)) + str(n) + data.draw(pads)
             for n in operands]
    assert parse_expression("+".join(parts), d) == tuple(operands)


@given(st.text(max_size=300))
def test_arbitrary_text_is_parsed_or_refused_with_one_line(text):
    try:
        operands = parse_expression(text, D)
    except ParseError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert len(operands) == 2 and all(0 <= n <= 99 for n in operands)
        assert set(text.strip()) <= set("0123456789+ \t\r\n")
