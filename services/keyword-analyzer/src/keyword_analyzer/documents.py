"""Turning what users send into plain text: HTML pages, PDF / DOCX / TXT resumes.

Every failure is a 4xx ``JobhuntError`` with a sentence that says what to do, raised
before anything is stored.
"""

from __future__ import annotations

import io
import json
import logging
import warnings
import zipfile
from html.parser import HTMLParser

from jobhunt_common.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType

_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe"})
_BOILERPLATE_TAGS = frozenset({"nav", "footer", "header", "aside", "form", "button"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "dt",
        "dd",
        "table",
        "blockquote",
        "pre",
    }
)
PDF_TYPES = frozenset({"application/pdf"})
DOCX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})


class _PageText(HTMLParser):
    """Visible text of a page, one line per block, and any JSON-LD blocks on the side."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.json_ld: list[str] = []
        self._skip_depth = 0
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and ("type", "application/ld+json") in attrs:
            self._in_json_ld = True
            self.json_ld.append("")
        if tag in _SKIPPED_TAGS or tag in _BOILERPLATE_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json_ld = False
        if (tag in _SKIPPED_TAGS or tag in _BOILERPLATE_TAGS) and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld[-1] += data
        elif not self._skip_depth:
            self.parts.append(data)


def _job_posting_description(blocks: list[str]) -> str | None:
    """The ``description`` of the first schema.org JobPosting in JSON-LD blocks."""
    for block in blocks:
        try:
            document = json.loads(block)
        except ValueError:
            continue
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if "JobPosting" in kinds and isinstance(item.get("description"), str):
                    return str(item["description"])
                stack.extend(v for v in item.values() if isinstance(v, list | dict))
    return None


def _visible_text(html: str) -> tuple[str, list[str]]:
    parser = _PageText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line), parser.json_ld


def html_to_text(html: str) -> str:
    """The posting text of a page: the JobPosting JSON-LD description if any, else its body."""
    text, json_ld = _visible_text(html)
    description = _job_posting_description(json_ld)
    if description:
        # The description is itself HTML more often than not.
        described, _ = _visible_text(description)
        if described.strip():
            return described
    return text


def check_text(text: str, *, max_chars: int, what: str = "text") -> str:
    """``text`` if it is usable: not empty (422), not too long (413), no NUL bytes."""
    if len(text) > max_chars:
        raise PayloadTooLarge(f"The {what} has {len(text)} characters; the limit is {max_chars}.")
    if "\x00" in text:
        raise Unprocessable(f"The {what} contains NUL characters: send plain text.")
    if not text.strip():
        raise Unprocessable(f"The {what} is empty.")
    return text


def posting_text(text: str | None, html: str | None, *, max_chars: int) -> str:
    """The plain text of a job description given as text or HTML."""
    if html is not None:
        if len(html) > max_chars * 4:
            raise PayloadTooLarge(f"The HTML is larger than {max_chars * 4} characters.")
        extracted = html_to_text(html)
        if not extracted.strip():
            raise Unprocessable(
                "The HTML has no visible text once scripts, styles and navigation are removed."
            )
        return check_text(extracted, max_chars=max_chars, what="job description")
    if text is None:
        raise Unprocessable("Send the job description as 'text' or 'html'.")
    return check_text(text, max_chars=max_chars, what="job description")


def decode_text(raw: bytes) -> str:
    """UTF-8 (or UTF-16 with a BOM) bytes as text; anything else is a 422."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(
            f"The file is not UTF-8 text (invalid byte at position {exc.start}): "
            "save it as UTF-8, or upload a PDF or DOCX."
        ) from exc


def pdf_text(raw: bytes) -> str:
    """The text layer of a PDF; 422 for junk, password-protected or scanned files."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not raw.lstrip()[:5] == b"%PDF-":
        raise Unprocessable("The file is not a PDF (it does not start with %PDF-).")
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception as exc:  # pypdf raises several types for bad crypto
                    raise Unprocessable(
                        "The PDF is password-protected: upload it unlocked."
                    ) from exc
                if not opened:
                    raise Unprocessable("The PDF is password-protected: upload it unlocked.")
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Unprocessable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise Unprocessable(f"The PDF could not be read: {exc}.") from exc
    except Exception as exc:  # a damaged file can fail anywhere inside the parser
        raise Unprocessable("The PDF could not be read.") from exc
    finally:
        pypdf_logger.setLevel(level)
    if not text.strip():
        raise Unprocessable(
            "The PDF has no text layer (a scanned image?): upload a text PDF, DOCX or TXT."
        )
    return text


def docx_text(raw: bytes) -> str:
    """The paragraphs and table cells of a DOCX file."""
    import docx

    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise Unprocessable("The file is not a DOCX document (not a ZIP package).")
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises KeyError, ValueError, PackageNotFoundError…
        raise Unprocessable("The DOCX document could not be read.") from exc
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    text = "\n".join(lines)
    if not text.strip():
        raise Unprocessable("The DOCX document has no text.")
    return text


def upload_text(
    filename: str | None, content_type: str | None, raw: bytes, *, max_bytes: int, max_chars: int
) -> tuple[str, str]:
    """(text, kind) of an uploaded resume, by extension or declared type."""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The file is larger than {max_bytes} bytes.")
    if not raw:
        raise Unprocessable("The uploaded file is empty.")
    name = (filename or "").lower()
    kind_type = (content_type or "").split(";")[0].strip().lower()
    if name.endswith(".pdf") or kind_type in PDF_TYPES:
        text, kind = pdf_text(raw), "pdf"
    elif name.endswith(".docx") or kind_type in DOCX_TYPES:
        text, kind = docx_text(raw), "docx"
    elif name.endswith((".txt", ".md", ".text")) or kind_type in TEXT_TYPES:
        text, kind = decode_text(raw), "txt"
    else:
        raise UnsupportedMediaType("Upload the resume as PDF, DOCX or TXT.")
    return check_text(text, max_chars=max_chars, what="resume"), kind
