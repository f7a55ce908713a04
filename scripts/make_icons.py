"""Draw the installable app's icons (issue 14, item 13): frontend/icons/*.png, committed.

Run again only when the design changes: `python scripts/make_icons.py`. A speech bubble with an
exclamation mark in the app's primary colour (`--primary` in frontend/css/app.css), drawn with
shapes rather than a font so that every machine draws the same pixels. The maskable icon keeps
its drawing inside the central 80 % safe zone and fills the whole square with the colour.
"""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image, ImageDraw

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
WHITE = "#ffffff"


def primary_colour() -> str:
    """The theme colour, read from the stylesheet so that the two never disagree."""
    css = (FRONTEND / "css" / "app.css").read_text(encoding="utf-8")
    found = re.search(r"--primary:\s*(#[0-9a-fA-F]{6})", css)
    if found is None:
        raise SystemExit("no --primary colour in frontend/css/app.css")
    return found.group(1)


def draw(size: int, *, maskable: bool) -> Image.Image:
    """One icon `size` pixels square; the maskable one draws within its safe zone."""
    colour = primary_colour()
    scale = 4  # drawn large and scaled down: smooth edges without a font or anti-aliasing API
    big = size * scale
    image = Image.new("RGBA", (big, big), colour if maskable else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=colour)
    inset = big * (0.24 if maskable else 0.18)
    left, top, right, bottom = inset, inset, big - inset, big - inset * 1.35
    pen.rounded_rectangle((left, top, right, bottom), radius=(bottom - top) // 4, fill=WHITE)
    tail = [
        (left + (right - left) * 0.22, bottom - 1),
        (left + (right - left) * 0.42, bottom - 1),
        (left + (right - left) * 0.18, bottom + (big - inset - bottom) * 0.9),
    ]
    pen.polygon(tail, fill=WHITE)
    middle = (left + right) / 2
    bar = (right - left) * 0.055
    pen.rounded_rectangle(
        (middle - bar, top + (bottom - top) * 0.16, middle + bar, top + (bottom - top) * 0.62),
        radius=bar,
        fill=colour,
    )
    dot = bar * 1.15
    centre = top + (bottom - top) * 0.78
    pen.ellipse((middle - dot, centre - dot, middle + dot, centre + dot), fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write the three icons the manifest names."""
    out = FRONTEND / "icons"
    out.mkdir(exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
    ):
        draw(size, maskable=maskable).save(out / name, optimize=True)
        print(out / name)


if __name__ == "__main__":
    main()
