"""IKM on worked examples (PermenPANRB 14/2017): NRR per element, weighted 1/9, x 25, two
decimals, and the band of every edge (issue 16, item 2)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from backend.survey import ikm
from backend.survey.instrument import INSTRUMENTS, Element, Instrument, current

CODES = current().codes
WEIGHTS = current().weights


def _all(nrr: str) -> list[ikm.ElementScore]:
    """Nine elements each with the NRR `nrr` (as 10,000 respondents' total)."""
    total = Fraction(nrr) * 10_000
    assert total.denominator == 1
    return [ikm.ElementScore(code, int(total), 10_000) for code in CODES]


def test_the_regulations_worked_way_by_hand():
    # four respondents; each element's NRR is sum / answered, weighted 1/9, summed, x 25
    responses = [
        dict.fromkeys(CODES, 3),
        dict.fromkeys(CODES, 4),
        {**dict.fromkeys(CODES, 3), "waktu": 2, "sarana": 2},
        {**dict.fromkeys(CODES, 4), "biaya": 3},
    ]
    scores = ikm.tally(responses, CODES)
    by_code = {score.element: score for score in scores}
    assert by_code["persyaratan"].nrr == Fraction(14, 4)  # 3.50
    assert by_code["waktu"].nrr == Fraction(13, 4)  # 3.25
    assert by_code["biaya"].nrr == Fraction(13, 4)
    assert ikm.weighted_nrr(by_code["waktu"], WEIGHTS["waktu"]) == Fraction(13, 36)
    # the sum of the weighted NRRs is (6 x 14 + 3 x 13) / 36 = 3.4167; x 25 = 85.4167 -> 85.42
    value = ikm.index(scores, WEIGHTS)
    assert value == Decimal("85.42")
    found = ikm.band(value)
    assert (found.letter, found.name_id) == ("B", "Baik")


def test_all_fours_is_100_and_all_ones_is_25():
    assert ikm.index(_all("4"), WEIGHTS) == Decimal("100.00")
    assert ikm.band(Decimal("100.00")).letter == "A"
    assert ikm.index(_all("1"), WEIGHTS) == Decimal("25.00")
    assert ikm.band(Decimal("25.00")).name_id == "Tidak Baik"


@pytest.mark.parametrize(
    ("nrr", "expected", "letter", "quality"),
    [
        ("3.5324", "88.31", "A", "Sangat Baik"),  # 88.310 exactly
        ("3.532", "88.30", "B", "Baik"),
        ("3.0644", "76.61", "B", "Baik"),
        ("3.064", "76.60", "C", "Kurang Baik"),
        ("2.6", "65.00", "C", "Kurang Baik"),
        ("2.5996", "64.99", "D", "Tidak Baik"),
    ],
)
def test_every_band_edge(nrr, expected, letter, quality):
    value = ikm.index(_all(nrr), WEIGHTS)
    assert value == Decimal(expected)
    found = ikm.band(value)
    assert (found.letter, found.name_id) == (letter, quality)


def test_rounding_happens_once_half_up_and_the_band_reads_the_rounded_index():
    # 3.5322 x 25 = 88.305: half up to 88.31, which is band A (not B as 88.305 unrounded)
    value = ikm.index(_all("3.5322"), WEIGHTS)
    assert value == Decimal("88.31")
    assert ikm.band(value).letter == "A"
    # 3.5318 x 25 = 88.295 -> 88.30, band B
    assert ikm.index(_all("3.5318"), WEIGHTS) == Decimal("88.30")


def test_an_index_outside_25_to_100_has_no_band():
    for value in ("24.99", "100.01"):
        with pytest.raises(ValueError):
            ikm.band(Decimal(value))


def test_an_element_nobody_answered_does_not_count_as_the_lowest_score():
    scores = [ikm.ElementScore(code, 4, 1) for code in CODES[:-1]]
    scores.append(ikm.ElementScore(CODES[-1], 0, 0))
    assert scores[-1].nrr is None
    assert ikm.index(scores, WEIGHTS) == Decimal("100.00")
    assert ikm.index([ikm.ElementScore(code, 0, 0) for code in CODES], WEIGHTS) is None


def test_weights_are_configurable_and_must_sum_to_one():
    heavy_time = {code: Fraction(1, 16) for code in CODES}
    heavy_time["waktu"] = Fraction(1, 2)
    assert sum(heavy_time.values()) == 1
    scores = [ikm.ElementScore(code, 2 if code == "waktu" else 4, 1) for code in CODES]
    # half the weight on an NRR of 2, half on 4: mean 3, x 25 = 75.00 (equal weights: 94.44)
    assert ikm.index(scores, heavy_time) == Decimal("75.00")
    assert ikm.index(scores, WEIGHTS) == Decimal("94.44")
    elements = current().elements
    with pytest.raises(ValueError, match="sum to 1"):
        Instrument(version=9, elements=elements, weights=dict.fromkeys(CODES, Fraction(1, 10)))
    with pytest.raises(ValueError, match="each element"):
        Instrument(version=9, elements=elements[:2], weights=WEIGHTS)


def test_the_published_instrument_is_the_regulations_nine_elements():
    instrument = INSTRUMENTS[1]
    assert len(instrument.elements) == 9 and sum(instrument.weights.values()) == 1
    assert all(isinstance(element, Element) for element in instrument.elements)
    assert all(len(element.answers) == 4 for element in instrument.elements)
    assert instrument.elements[0].answers[3] == ("Sangat sesuai", "Very appropriate")
