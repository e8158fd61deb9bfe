"""Small real documents for the import tests: a Markdown file, an HTML page with navigation around its
article, and a PDF with a text layer (written by hand: the smallest valid PDF 1.4 with one page)."""

from __future__ import annotations

MARKDOWN = b"""---
owner: cards team
---
# Card delivery

A new card arrives in 3-5 working days after you order it.
If it has not arrived after 7 working days, freeze the old card in the app and order another.
"""

HTML = b"""<!doctype html><html><head><title>Fees and charges | Kestrel Bank</title></head><body>
<nav><a href="/">Home</a> <a href="/cards">Cards</a> <a href="/login">Log in to online banking</a></nav>
<main><article><h1>Fees and charges</h1>
<p>Paying by card in another currency costs 2.5 percent of the amount, shown in the app before you confirm.</p>
<p>Cash withdrawals abroad are free up to 200 pounds a month; above that each withdrawal costs 2 pounds.</p>
<p>Sending money to another Kestrel Bank account is always free, at any time of the day or night.</p>
</article></main>
<footer>Kestrel Bank plc is a fictional bank. Cookie settings. Accessibility statement.</footer>
</body></html>"""


def pdf(*lines: str, title: str = "") -> bytes:
    text = b" ".join(b"(%s) Tj 0 -16 Td" % line.encode("latin-1") for line in lines)
    content = b"BT /F1 12 Tf 72 720 Td " + text + b" ET"
    info = b"<< /Title (%s) >>" % title.encode("latin-1") if title else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


PDF = pdf("Changing your PIN", "You can change your PIN at any Kestrel Bank cash machine.",
          "Choose PIN services, enter your old PIN, then the new one twice.", title="Changing your PIN")


def sitemap(*urls: str) -> bytes:
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
