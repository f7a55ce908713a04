"""The survey's instrument: PermenPANRB 14/2017's nine elements, each scored 1 to 4, with the
wording of the regulation's sample questionnaire, in Indonesian and English.

Instruments are versioned: each response keeps the version it was answered under, so a later
rewording or reweighting never changes what an old answer meant. A new wording or weighting is
a new entry in `INSTRUMENTS`, never an edit of a published one.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Element:
    """One element (unsur) of the survey: its question and the four answers, score 1 to 4."""

    code: str
    name_id: str
    name_en: str
    question_id: str
    question_en: str
    # (Indonesian, English) for scores 1, 2, 3 and 4
    answers: tuple[tuple[str, str], tuple[str, str], tuple[str, str], tuple[str, str]]


@dataclass(frozen=True)
class Instrument:
    """A published version of the questionnaire and the weight of each element in the index."""

    version: int
    elements: tuple[Element, ...]
    weights: dict[str, Fraction]

    def __post_init__(self) -> None:
        codes = [element.code for element in self.elements]
        if sorted(codes) != sorted(self.weights) or len(set(codes)) != len(codes):
            raise ValueError(f"instrument {self.version}: a weight for each element, once")
        if sum(self.weights.values()) != 1 or any(w <= 0 for w in self.weights.values()):
            raise ValueError(f"instrument {self.version}: weights must be positive and sum to 1")

    @property
    def codes(self) -> list[str]:
        """The elements' codes, in the questionnaire's order."""
        return [element.code for element in self.elements]


ELEMENTS_2017 = (
    Element(
        "persyaratan",
        "Persyaratan",
        "Requirements",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        "How well did the requirements of the service fit the kind of service?",
        (
            ("Tidak sesuai", "Not appropriate"),
            ("Kurang sesuai", "Somewhat appropriate"),
            ("Sesuai", "Appropriate"),
            ("Sangat sesuai", "Very appropriate"),
        ),
    ),
    Element(
        "prosedur",
        "Sistem, mekanisme dan prosedur",
        "System, mechanism and procedure",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy was the procedure of this unit's service?",
        (
            ("Tidak mudah", "Not easy"),
            ("Kurang mudah", "Somewhat easy"),
            ("Mudah", "Easy"),
            ("Sangat mudah", "Very easy"),
        ),
    ),
    Element(
        "waktu",
        "Waktu penyelesaian",
        "Completion time",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service given?",
        (
            ("Tidak cepat", "Not fast"),
            ("Kurang cepat", "Somewhat fast"),
            ("Cepat", "Fast"),
            ("Sangat cepat", "Very fast"),
        ),
    ),
    Element(
        "biaya",
        "Biaya/tarif",
        "Cost/tariff",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair was the cost or tariff of the service?",
        (
            ("Sangat mahal", "Very expensive"),
            ("Cukup mahal", "Fairly expensive"),
            ("Murah", "Cheap"),
            ("Gratis", "Free of charge"),
        ),
    ),
    Element(
        "produk",
        "Produk spesifikasi jenis pelayanan",
        "Product of the service",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "How well did the result you received match the product in the service standard?",
        (
            ("Tidak sesuai", "Not appropriate"),
            ("Kurang sesuai", "Somewhat appropriate"),
            ("Sesuai", "Appropriate"),
            ("Sangat sesuai", "Very appropriate"),
        ),
    ),
    Element(
        "kompetensi",
        "Kompetensi pelaksana",
        "Competence of the staff",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff who served you?",
        (
            ("Tidak kompeten", "Not competent"),
            ("Kurang kompeten", "Somewhat competent"),
            ("Kompeten", "Competent"),
            ("Sangat kompeten", "Very competent"),
        ),
    ),
    Element(
        "perilaku",
        "Perilaku pelaksana",
        "Behaviour of the staff",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        "How polite and friendly were the staff who served you?",
        (
            ("Tidak sopan dan ramah", "Not polite and friendly"),
            ("Kurang sopan dan ramah", "Somewhat polite and friendly"),
            ("Sopan dan ramah", "Polite and friendly"),
            ("Sangat sopan dan ramah", "Very polite and friendly"),
        ),
    ),
    Element(
        "pengaduan",
        "Penanganan pengaduan, saran dan masukan",
        "Handling of complaints, suggestions and input",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How were the complaints of the service's users handled?",
        (
            ("Tidak ada", "There is none"),
            ("Ada tetapi tidak berfungsi", "There is one, but it does not work"),
            ("Berfungsi kurang maksimal", "It works, but not fully"),
            ("Dikelola dengan baik", "It is well managed"),
        ),
    ),
    Element(
        "sarana",
        "Sarana dan prasarana",
        "Facilities",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good were the facilities?",
        (
            ("Buruk", "Poor"),
            ("Cukup", "Fair"),
            ("Baik", "Good"),
            ("Sangat baik", "Very good"),
        ),
    ),
)

INSTRUMENTS: dict[int, Instrument] = {
    1: Instrument(
        version=1,
        elements=ELEMENTS_2017,
        # PermenPANRB 14/2017: each of the nine elements weighs the same
        weights={element.code: Fraction(1, len(ELEMENTS_2017)) for element in ELEMENTS_2017},
    ),
}
CURRENT_VERSION = max(INSTRUMENTS)


def current() -> Instrument:
    """The instrument new invitations are answered with."""
    return INSTRUMENTS[CURRENT_VERSION]
