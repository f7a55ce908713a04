"""The satisfaction index (Indeks Kepuasan Masyarakat) of PermenPANRB 14/2017, computed exactly.

NRR of an element = sum of its scores / number of respondents who answered it; weighted NRR =
NRR x the element's weight (1/9 each by default); IKM = sum of the weighted NRRs x 25, rounded
half up to two decimals. The band is read on the rounded value, each interval closed on two
decimals: A 88.31-100 Sangat Baik, B 76.61-88.30 Baik, C 65.00-76.60 Kurang Baik,
D 25.00-64.99 Tidak Baik. Fractions keep every step exact until the one rounding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
SCALE = 25  # turns a mean score of 1-4 into an index of 25-100

# (band, lowest index of the band, mutu pelayanan, quality of service), best first
BANDS = (
    ("A", Decimal("88.31"), "Sangat Baik", "Very good"),
    ("B", Decimal("76.61"), "Baik", "Good"),
    ("C", Decimal("65.00"), "Kurang Baik", "Not good"),
    ("D", Decimal("25.00"), "Tidak Baik", "Poor"),
)


@dataclass(frozen=True)
class ElementScore:
    """An element's tally over a group of responses, and its NRR."""

    element: str
    total: int
    answered: int

    @property
    def nrr(self) -> Fraction | None:
        """Nilai rata-rata: the mean score of those who answered it (None: nobody did)."""
        return Fraction(self.total, self.answered) if self.answered else None


@dataclass(frozen=True)
class Band:
    """Where an index falls: its letter and the regulation's words for the quality of service."""

    letter: str
    name_id: str
    name_en: str


def rounded(value: Fraction) -> Decimal:
    """`value` rounded half up to two decimals (the regulation's reporting precision)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def weighted_nrr(score: ElementScore, weight: Fraction) -> Fraction | None:
    """NRR x weight (None when nobody answered the element)."""
    nrr = score.nrr
    return None if nrr is None else nrr * weight


def index(scores: Iterable[ElementScore], weights: Mapping[str, Fraction]) -> Decimal | None:
    """IKM: the sum of the weighted NRRs x 25, to two decimals (None: no answers at all).

    An element nobody answered leaves the index over the others, their weights scaled up to
    sum to 1 again, so that a missing element does not read as the lowest score.
    """
    answered = [(score, weights[score.element]) for score in scores if score.answered]
    if not answered:
        return None
    weight_answered = sum((weight for _score, weight in answered), Fraction(0))
    total = sum((score.nrr * weight for score, weight in answered if score.nrr), Fraction(0))
    return rounded(total / weight_answered * SCALE)


def band(ikm: Decimal) -> Band:
    """The band of an index already rounded to two decimals (25.00 to 100.00)."""
    value = ikm.quantize(CENT, rounding=ROUND_HALF_UP)
    if not Decimal("25.00") <= value <= Decimal("100.00"):
        raise ValueError(f"an index runs from 25.00 to 100.00, not {value}")
    for letter, lowest, name_id, name_en in BANDS:
        if value >= lowest:
            return Band(letter, name_id, name_en)
    raise AssertionError("unreachable: D starts at 25.00")


def tally(responses: Iterable[Mapping[str, int]], elements: Iterable[str]) -> list[ElementScore]:
    """Each element's sum and count over responses given as {element: score}."""
    codes = list(elements)
    totals = dict.fromkeys(codes, 0)
    counts = dict.fromkeys(codes, 0)
    for answers in responses:
        for code, score in answers.items():
            totals[code] += score
            counts[code] += 1
    return [ElementScore(code, totals[code], counts[code]) for code in codes]
