"""One document's title and text, from Markdown, HTML (main content only), PDF or plain text.

HTML goes through trafilatura, which keeps the page's main content and drops navigation, footers and
boilerplate; PDF through pypdf (text layers only: a scanned PDF without one is refused by name).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

MARKDOWN = {".md", ".markdown"}
HTML = {".html", ".htm"}
PDF = {".pdf"}
TEXT = {".txt"}
SUPPORTED = MARKDOWN | HTML | PDF | TEXT
HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.MULTILINE)
FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
TITLE_MAX = 200


class ExtractError(ValueError):
    """The document cannot become an article (unsupported, empty, unreadable)."""


@dataclass(frozen=True)
class ExtractedArticle:
    source: str  # the path or URL it came from: how a re-import finds it again
    title: str
    body: str
    url: str = ""


def kind_of(name: str, content_type: str | None = None) -> str:
    ctype = (content_type or "").split(";")[0].strip().lower()
    suffix = PurePosixPath(name.split("?", 1)[0]).suffix.lower()
    if ctype in ("text/html", "application/xhtml+xml") or suffix in HTML:
        return "html"
    if ctype == "application/pdf" or suffix in PDF:
        return "pdf"
    if ctype in ("text/markdown", "text/x-markdown") or suffix in MARKDOWN:
        return "markdown"
    if ctype == "text/plain" or suffix in TEXT:
        return "text"
    # A URL without a suffix served as HTML is the common case; anything else is refused by name.
    if name.startswith(("http://", "https://")) and not suffix:
        return "html"
    raise ExtractError(f"unsupported type ({content_type or suffix or 'no file suffix'}); use Markdown, HTML, PDF or text")


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractError("not UTF-8 text") from None
    if "\x00" in text:
        raise ExtractError("contains NUL characters: not a text file")
    return text


def _default_title(name: str) -> str:
    name = name.removeprefix("upload:")
    stem = PurePosixPath(name.rstrip("/").split("?", 1)[0]).stem or name
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or "Untitled"


def _markdown(name: str, text: str) -> tuple[str, str]:
    text = FRONT_MATTER.sub("", text)
    match = HEADING.search(text)
    if match:
        return match.group(1).strip(), (text[: match.start()] + text[match.end():]).strip()
    return _default_title(name), text.strip()


def _html(name: str, text: str) -> tuple[str, str]:
    import trafilatura

    body = trafilatura.extract(text, output_format="txt", include_comments=False, include_tables=True, favor_precision=True) or ""
    metadata = trafilatura.extract_metadata(text)
    title = (metadata.title if metadata is not None else None) or _default_title(name)
    return title.strip(), body.strip()


def _pdf(name: str, data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata is not None else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractError(f"not a readable PDF ({type(exc).__name__})") from None
    body = "\n\n".join(p.strip() for p in pages if p.strip())
    if not title.strip():
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        title = first if 0 < len(first) <= 120 else _default_title(name)
    return title.strip(), body


def extract(*, name: str, data: bytes, content_type: str | None = None, url: str = "") -> ExtractedArticle:
    kind = kind_of(name, content_type)
    if kind == "pdf":
        title, body = _pdf(name, data)
    elif kind == "html":
        title, body = _html(name, _decode(data))
    elif kind == "markdown":
        title, body = _markdown(name, _decode(data))
    else:
        text = _decode(data).strip()
        title, body = _default_title(name), text
    # A PDF's text layer can hold NUL characters and unpaired surrogates, which PostgreSQL text cannot.
    title, body = (v.replace("\x00", "").encode("utf-8", "replace").decode("utf-8") for v in (title, body))
    first, _, rest = body.strip().partition("\n")
    if first.strip() == title.strip() and rest.strip():
        body = rest  # the page's own heading repeats the title
    if not body.strip():
        raise ExtractError("no text found" + (" (a scanned PDF has no text layer)" if kind == "pdf" else ""))
    return ExtractedArticle(source=name, title=" ".join(title.split())[:TITLE_MAX], body=body.strip(), url=url)
