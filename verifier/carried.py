"""Credentials carried inside files: baked badges (Open Badges 3.0 §5.3) and PDF attachments.

Pure and offline: nothing here fetches, and every read is size-capped before it is decoded, so
a crafted image or PDF costs no more than its credential may weigh.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

from verifier.errors import MalformedInputError
from verifier.report import DocumentReport

MAX_CARRIED_BYTES = 5 * 1024 * 1024  # what one carried credential or passport file may weigh
MAX_ATTACHMENTS = 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_MB = MAX_CARRIED_BYTES // (1024 * 1024)


class NothingCarriedError(MalformedInputError):
    """A badge image or PDF that carries no credential."""


@dataclass(frozen=True)
class Carried:
    """One credential (or passport file) found inside a file, with where it was found."""

    where: str
    data: bytes


def kind_of(data: bytes) -> str | None:
    """`png`, `svg` or `pdf` for a file that may carry credentials; None for anything else."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in data[:65536]:
        return "svg"
    return None


def carried_in(data: bytes) -> list[Carried]:
    """The credentials a PNG, SVG or PDF file carries (at least one, or NothingCarriedError)."""
    kind = kind_of(data)
    if kind == "png":
        return [Carried("the PNG's openbadgecredential chunk", from_png(data))]
    if kind == "svg":
        return [Carried("the SVG's openbadges:credential element", from_svg(data))]
    if kind == "pdf":
        return from_pdf(data)
    raise MalformedInputError("not a PNG, SVG or PDF file")


def from_png(data: bytes) -> bytes:
    """The credential in the PNG's `iTXt` chunk with keyword `openbadgecredential`.

    Walks the chunks without decoding a pixel; a chunk's declared length is checked against
    the bytes present, so a lying length cannot make the reader allocate."""
    if not data.startswith(PNG_SIGNATURE):
        raise MalformedInputError("not a PNG image")
    found: list[bytes] = []
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        if len(body) != length or at + 12 + length > len(data):
            raise MalformedInputError("the PNG is truncated: a chunk runs past the end of the file")
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise MalformedInputError(f"the PNG is damaged: the {kind!r} chunk's checksum fails")
        if kind == b"iTXt" and body.split(b"\0", 1)[0] == PNG_KEYWORD:
            found.append(_itxt_text(body))
        if kind == b"IEND":
            break
        at += 12 + length
    if not found:
        raise NothingCarriedError("this PNG carries no credential (no openbadgecredential chunk)")
    if len(found) > 1:  # §5.3.1: MUST NOT appear more than once
        raise MalformedInputError("this PNG has more than one openbadgecredential chunk")
    return found[0]


def _itxt_text(body: bytes) -> bytes:
    """The text of an iTXt chunk: keyword, NUL, compression flag and method, language tag,
    NUL, translated keyword, NUL, text."""
    try:
        _, rest = body.split(b"\0", 1)
        flag, _method = rest[0], rest[1]
        _language, _translated, text = rest[2:].split(b"\0", 2)
    except (ValueError, IndexError):
        raise MalformedInputError("the PNG's openbadgecredential chunk is malformed") from None
    if flag:  # §5.3.1 forbids compression; refuse rather than inflate an unknown amount
        raise MalformedInputError("the PNG's openbadgecredential chunk is compressed")
    _check_size(len(text), "the PNG's credential")
    return text


def from_svg(data: bytes) -> bytes:
    """The credential in the SVG's `openbadges:credential` element: its `verify` attribute
    (a compact JWT) or its text (JSON). DTDs, entities and external references are refused."""
    _check_size(len(data), "the SVG")
    try:
        root: Element = SafeXml.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise MalformedInputError(
            "the SVG declares a DTD or entities, which badge images never need; refused"
        ) from None
    except SafeXml.ParseError as exc:
        raise MalformedInputError(f"the SVG is not well-formed XML ({exc})") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise MalformedInputError("not an SVG image (its root element is not <svg>)")
    elements = root.findall(f".//{{{OB3_NAMESPACE}}}credential")
    if not elements:
        raise NothingCarriedError("this SVG carries no credential (no openbadges:credential)")
    if len(elements) > 1:  # §5.3.2: MUST be only one
        raise MalformedInputError("this SVG has more than one openbadges:credential element")
    text = elements[0].get("verify") or elements[0].text or ""
    if not text.strip():
        raise NothingCarriedError("this SVG's openbadges:credential element is empty")
    return text.strip().encode("utf-8")


def from_pdf(data: bytes) -> list[Carried]:
    """The files attached to a PDF (its EmbeddedFiles name tree), each inflated under the cap."""
    try:
        reader = PdfReader(io.BytesIO(data))
        names = _embedded_names(reader.trailer["/Root"].get_object())
        found = [Carried(f"the PDF's attachment {name}", _stream_bytes(s)) for name, s in names]
    except PyPdfError as exc:
        raise MalformedInputError(f"the PDF cannot be read ({exc})") from None
    except (KeyError, TypeError, ValueError, AttributeError, zlib.error) as exc:
        if isinstance(exc, MalformedInputError):
            raise
        raise MalformedInputError("the PDF's attachments are malformed") from None
    if not found:
        raise NothingCarriedError("this PDF carries no credential (it has no attached files)")
    return found


def _embedded_names(catalog: Any) -> list[tuple[str, StreamObject]]:
    """(name, stream) of each attachment; one level of /Kids, as the writers we know use."""
    if not isinstance(catalog, DictionaryObject) or "/Names" not in catalog:
        return []
    names = catalog["/Names"].get_object()
    tree = names.get("/EmbeddedFiles") if isinstance(names, DictionaryObject) else None
    if tree is None:
        return []
    tree = tree.get_object()
    if not isinstance(tree, DictionaryObject):
        raise MalformedInputError("the PDF's attachments are malformed")
    arrays = [tree.get("/Names")] + [
        kid.get_object().get("/Names") for kid in (tree.get("/Kids") or ArrayObject())
    ]
    pairs: list[tuple[str, StreamObject]] = []
    for array in arrays:
        items = array.get_object() if array is not None else []
        for name, spec in zip(items[::2], items[1::2], strict=False):
            stream = spec.get_object()["/EF"].get_object()["/F"].get_object()
            if not isinstance(stream, StreamObject):
                raise MalformedInputError("a PDF attachment is not a file stream")
            pairs.append((str(name), stream))
            if len(pairs) > MAX_ATTACHMENTS:
                raise MalformedInputError(f"the PDF has more than {MAX_ATTACHMENTS} attachments")
    return pairs


def _stream_bytes(stream: StreamObject) -> bytes:
    """An attachment's bytes, inflated by us with a ceiling (a few KB of deflate can claim
    gigabytes); any filter other than none or FlateDecode is refused."""
    filters = stream.get("/Filter")
    names = (
        [] if filters is None else list(filters) if isinstance(filters, ArrayObject) else [filters]
    )
    raw: bytes = stream._data  # the stored bytes, before pypdf decodes them
    if not names:
        _check_size(len(raw), "a PDF attachment")
        return raw
    if names != [NameObject("/FlateDecode")] or stream.get("/DecodeParms"):
        raise MalformedInputError("a PDF attachment uses an encoding this verifier does not read")
    inflater = zlib.decompressobj()
    out = inflater.decompress(raw, MAX_CARRIED_BYTES + 1)
    _check_size(len(out), "a PDF attachment")
    return out


def _check_size(size: int, what: str) -> None:
    if size > MAX_CARRIED_BYTES:
        raise MalformedInputError(f"{what} is larger than {_MB} MB; refused")


def verify_file(
    data: bytes, verify: Callable[[bytes], DocumentReport]
) -> tuple[DocumentReport, list[str]]:
    """`verify` applied to a plain document, or to each credential a PNG, SVG or PDF carries;
    the reports are joined into one, with where each carried document was found."""
    if kind_of(data) is None:
        return verify(data), []
    found = carried_in(data)
    reports = [verify(item.data) for item in found]
    if len(reports) == 1:
        return reports[0], [found[0].where]
    return (
        DocumentReport(
            "files",
            tuple(c for r in reports for c in r.credentials),
            tuple(c for r in reports for c in r.checks),
        ),
        [item.where for item in found],
    )
