import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seqsum.core import codec
from seqsum.core.domain import VOCABULARY, Domain, DomainError

from .conftest import answer_text, question_text, text_of


def test_default_domain_matches_the_reference_widths():
    d = Domain()
    assert (d.terms, d.max_operand) == (2, 99)
    assert d.input_width == 5  # "99+99"
    assert d.answer_width == 3  # "198"
    assert VOCABULARY == "0123456789+ " and len(VOCABULARY) == 12
    assert d.describe() == "adds 2 numbers from 0 to 99"


@pytest.mark.parametrize(
    "terms, max_operand, input_width, answer_width",
    [(2, 100, 7, 3), (3, 99, 8, 3), (2, 999, 7, 4), (5, 9999, 24, 5), (2, 9, 3, 2), (4, 9, 7, 2)],
)
def test_widths_fit_the_longest_question_and_answer(terms, max_operand, input_width, answer_width):
    d = Domain(terms, max_operand)
    assert d.input_width == input_width == len("+".join([str(max_operand)] * terms))
    assert d.answer_width == answer_width == len(str(terms * max_operand))


@pytest.mark.parametrize("terms, max_operand", [(1, 99), (6, 99), (2, 0), (2, 10_000)])
def test_unsupported_domains_are_refused(terms, max_operand):
    with pytest.raises(DomainError):
        Domain(terms, max_operand)


domains = st.builds(Domain, st.integers(2, 5), st.integers(1, 9999))


aligns = st.sampled_from(codec.QUESTION_ALIGNS)


@given(st.data(), aligns)
def test_question_round_trips_through_indices_and_one_hot(data, align):
    d = data.draw(domains)
    operands = data.draw(st.lists(st.integers(0, d.max_operand), min_size=d.terms, max_size=d.terms))
    indices = codec.encode_questions(np.array([operands]), d, align)[0]
    assert text_of(indices) == question_text(operands, d, align)
    vectors = codec.one_hot(indices)
    assert vectors.shape == (d.input_width, len(VOCABULARY)) and vectors.sum() == d.input_width
    assert text_of(vectors.argmax(axis=-1)) == question_text(operands, d, align)


def test_right_aligned_questions_put_each_place_value_in_one_column():
    d = Domain(3, 999)
    texts = codec.question_texts(np.array([[0, 0, 0], [1, 22, 333], [999, 5, 70]]), d, "right")
    assert texts == ["  0+  0+  0", "  1+ 22+333", "999+  5+ 70"]
    assert codec.question_texts(np.array([[1, 22, 333]]), d, "left") == ["1+22+333   "]
    with pytest.raises(ValueError, match="unknown question alignment 'centre'"):
        codec.encode_questions(np.array([[1, 2, 3]]), d, "centre")


@given(st.lists(st.lists(st.integers(0, len(VOCABULARY) - 1), min_size=6, max_size=6), max_size=40),
       st.integers(1, 6))
def test_any_written_symbols_decode_as_their_text_without_padding(rows, width):
    """What a network writes need not be a number ("1 2", "+3", all padding); each distinct row
    is decoded once, so repeats must come back in place."""
    written = np.array(rows + rows[::-1], np.int64).reshape(-1, 6)[:, :width]
    assert codec.decode_many(written) == ["".join(VOCABULARY[i] for i in row).strip(" ") for row in written]


@given(st.data(), aligns)
def test_vectorised_encoding_matches_the_text_encoding(data, align):
    d = data.draw(domains)
    rows = data.draw(
        st.lists(st.lists(st.integers(0, d.max_operand), min_size=d.terms, max_size=d.terms),
                 min_size=1, max_size=20)
    )
    operands = np.array(rows)
    questions = codec.encode_questions(operands, d, align)
    answers = codec.encode_answers(operands.sum(axis=1), d)
    for row, q, a in zip(rows, questions, answers):
        assert text_of(q) == question_text(row, d, align)
        assert text_of(a) == answer_text(sum(row), d)
    assert codec.decode_many(answers) == [str(sum(r)) for r in rows]
    # Few rows are encoded through their text, many by the vectorised path: the same indices.
    many = np.concatenate([operands] * (codec.FEW_ROWS // len(rows) + 1))
    assert len(many) > codec.FEW_ROWS
    assert np.array_equal(codec.encode_questions(many, d, align)[: len(rows)], questions)
    assert np.array_equal(codec.encode_answers(many.sum(axis=1), d)[: len(rows)], answers)
    assert codec.encode_questions(np.zeros((0, d.terms), np.int64), d, align).shape == (0, d.input_width)
    assert codec.encode_answers(np.zeros(0, np.int64), d).shape == (0, d.answer_width)
