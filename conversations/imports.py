"""All-or-nothing CSV import of intents and training examples (columns: text,label)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from conversations.errors import ImportFailed
from conversations.models import Intent, TrainingExample
from conversations.privacy import anonymize_text

REQUIRED_COLUMNS = ("text", "label")
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,99}$")
MAX_ERRORS_LISTED = 20


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    duplicates: int
    intents_created: list[str]


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFailed("The file is not UTF-8 text.", errors=[f"byte {exc.start}: not UTF-8"]) from None
    if "\x00" in text:  # the database cannot store it, and no text file holds one
        lines = [n for n, line in enumerate(text.splitlines(), start=1) if "\x00" in line]
        raise ImportFailed("The file contains NUL characters: it is not a text file.",
                           errors=[f"line {n}: NUL character" for n in lines[:MAX_ERRORS_LISTED]])
    return text


def _parse(text: str) -> list[tuple[int, str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        found = ", ".join(reader.fieldnames or []) or "none"
        raise ImportFailed(
            f"The CSV header must contain the columns text,label; missing: {', '.join(missing)}.",
            errors=[f"line 1: columns found: {found}"],
        )
    rows, errors = [], []
    limit = settings.CHAT_IMPORT_MAX_ROWS
    for row in reader:
        line = reader.line_num
        if len(rows) >= limit:
            raise ImportFailed(f"The file has more than {limit} rows; split it.", errors=[f"line {line}: over the limit"])
        text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
        if not text and not label and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            errors.append(f"line {line}: empty row")
        elif not text:
            errors.append(f"line {line}: empty text")
        elif not label:
            errors.append(f"line {line}: empty label")
        elif not LABEL_PATTERN.match(label):
            errors.append(f"line {line}: label {label[:40]!r} must be lowercase letters, digits and underscores")
        elif len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
            errors.append(f"line {line}: text longer than {settings.CHAT_MAX_MESSAGE_CHARS} characters")
        else:
            rows.append((line, text, label))
    if errors:
        shown = errors[:MAX_ERRORS_LISTED]
        more = f" (and {len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
        raise ImportFailed(f"{len(errors)} bad row(s); nothing was imported{more}.", errors=shown)
    if not rows:
        raise ImportFailed("The file has no data rows; nothing was imported.", errors=["line 2: no rows"])
    return rows


def examples_import_csv(*, data: bytes | str, user: AbstractBaseUser | None = None) -> ImportResult:
    """Import every row or none. Unknown labels create intents; rows already present are skipped."""
    rows = _parse(_decode(data))
    with transaction.atomic():
        intents = {i.name: i for i in Intent.objects.filter(name__in={label for _, _, label in rows})}
        new_names = sorted({label for _, _, label in rows} - intents.keys())
        for name in new_names:
            intents[name] = Intent.objects.create(name=name)
        seen: set[tuple[int, str]] = set(
            TrainingExample.objects.filter(intent__in=intents.values()).values_list("intent_id", "text")
        )
        batch = []
        for _, text, label in rows:
            key = (intents[label].pk, anonymize_text(text, source="import"))
            if key in seen:
                continue
            seen.add(key)
            batch.append(TrainingExample(intent=intents[label], text=key[1], source=TrainingExample.Source.IMPORT, created_by=user))
        TrainingExample.objects.bulk_create(batch)
    return ImportResult(rows=len(rows), created=len(batch), duplicates=len(rows) - len(batch), intents_created=new_names)
