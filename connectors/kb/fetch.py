"""Read what an import names: files and folders on disk, pages by URL, and the pages a sitemap lists.

Every URL is fetched through integrations.outbound (private, loopback and metadata addresses refused unless
allow-listed, redirects re-checked, a timeout and KB_IMPORT_MAX_BYTES per response).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings

from connectors.kb.extract import SUPPORTED
from integrations.outbound import OutboundError, outbound_request

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class FetchError(ValueError):
    """The named source could not be read."""


@dataclass(frozen=True)
class Document:
    name: str  # the path or URL, as reported and as the article's source
    data: bytes
    content_type: str | None = None
    url: str = ""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def url_fetch(url: str) -> Document:
    try:
        response = outbound_request(method="GET", url=url, max_bytes=settings.KB_IMPORT_MAX_BYTES,
                                    headers={"Accept": "text/html,application/xhtml+xml,application/pdf,text/markdown,text/plain,application/xml;q=0.9"})
    except OutboundError as exc:
        raise FetchError(str(exc)) from None
    if not response.ok:
        raise FetchError(f"the server answered {response.status}")
    return Document(name=url, data=response.body, content_type=response.headers.get("content-type"), url=url)


def sitemap_urls(data: bytes, *, depth: int = 0) -> list[str]:
    """The <loc> of a <urlset>, or of every sitemap a <sitemapindex> lists (one level deep)."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise FetchError(f"not a sitemap: {exc}") from None
    locs = [el.text.strip() for el in root.iter(f"{SITEMAP_NS}loc") if el.text and el.text.strip()]
    if root.tag == f"{SITEMAP_NS}sitemapindex":
        if depth > 0:
            raise FetchError("a sitemap index inside a sitemap index")
        urls: list[str] = []
        for loc in locs:
            urls += sitemap_urls(url_fetch(loc).data, depth=depth + 1)
        return urls
    if root.tag != f"{SITEMAP_NS}urlset":
        raise FetchError("not a sitemap: the root element is neither urlset nor sitemapindex")
    return locs


def path_documents(path: Path) -> list[Document]:
    """A file, or every supported file under a folder (sorted)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED)
        if not files:
            raise FetchError("the folder holds no Markdown, HTML, PDF or text file")
    elif path.is_file():
        files = [path]
    else:
        raise FetchError("no such file or folder")
    documents = []
    for file in files:
        if file.stat().st_size > settings.KB_IMPORT_MAX_BYTES:
            raise FetchError(f"{file} is larger than {settings.KB_IMPORT_MAX_BYTES} bytes")
        documents.append(Document(name=str(file.resolve()), data=file.read_bytes()))
    return documents
