"""What an evidence file may be, and what is kept of it: its content, never its metadata.

A reporter identified through the metadata of an evidence photo is one of SP4N-LAPOR!'s known
failures (LEGAL.md). Images (JPEG, PNG, WebP) are re-encoded from their pixels alone, so EXIF
(GPS!), XMP, IPTC, JPEG comments, PNG text chunks and embedded colour profiles are all left
behind; a PDF is rewritten from its pages alone, without its document information (/Author,
/Creator, /Producer, ...) or any XMP metadata stream, and an encrypted or unreadable one is
refused. Images are measured before they are decoded: one above the pixel limit is refused
without ever being decoded (a 225 KB PNG of 79 megapixels took a worker to 727 MB).
"""

from __future__ import annotations

import io

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from backend.errors import PayloadTooLarge, UnsupportedMediaType

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF = "application/pdf"
ALLOWED_TYPES = (*IMAGE_TYPES, PDF)
# Pillow's own bomb check warns at its limit and refuses only at twice it; `clean` measures
# every image against the configured limit (MAX_IMAGE_PIXELS) before decoding, exactly, instead
Image.MAX_IMAGE_PIXELS = None
# what may carry metadata in a PDF page: XMP streams, application data
PAGE_METADATA = ("/Metadata", "/PieceInfo")


def unsupported() -> UnsupportedMediaType:
    """The 415 problem naming the allowed types."""
    return UnsupportedMediaType(allowed=", ".join(ALLOWED_TYPES))


def sniff(content: bytes) -> str:
    """The file's type by its content (never its name or the header it came with)."""
    kind = filetype.guess(content)
    mime = kind.mime if kind else None
    if mime not in ALLOWED_TYPES:
        raise unsupported()
    return str(mime)


def clean(content: bytes, mime: str, max_pixels: int) -> bytes:
    """The file as it is kept: its content without any metadata; an image of more than
    `max_pixels` pixels is refused before it is decoded."""
    if mime == PDF:
        return _clean_pdf(content)
    return _clean_image(content, IMAGE_TYPES[mime], max_pixels)


def _clean_image(content: bytes, format_: str, max_pixels: int) -> bytes:
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size  # read from the header: nothing decoded yet
            if width * height > max_pixels:
                raise PayloadTooLarge("image_too_large", pixels=width * height, limit=max_pixels)
            image.load()
            upright = ImageOps.exif_transpose(image)
            if format_ == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            # a new image of the same pixels: nothing of `info` (comments, text, profiles)
            # comes along to the encoder, which would write some of it back
            pixels = Image.new(upright.mode, upright.size)
            pixels.paste(upright)
            out = io.BytesIO()
            pixels.save(out, format=format_, quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise unsupported() from error


def _clean_pdf(content: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise unsupported()
        writer = PdfWriter()
        for page in reader.pages:
            # off the page before it is copied: a copy would bring the objects it names along
            for name in PAGE_METADATA:
                page.pop(NameObject(name), None)
            writer.add_page(page)
        writer.metadata = None  # no document information dictionary at all
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise unsupported() from error
