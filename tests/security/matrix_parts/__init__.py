"""Access-matrix rows that each capability adds in its own module, so capabilities never edit one table.

A module here may define:
  ROWS   {(URL name, method): (anon, cust_a, cust_b, agent, staff, integ, old_tok, old_conv)}
  CALLS  {URL name: Call(...)}  (tests/security/endpoints.py)
  PENDING  URL names whose rows are skipped until they resolve
  make_objects(world) -> {id name: value}: rows its URLs need, created for each matrix test
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def parts() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]


def merged(attribute: str) -> dict:
    combined: dict = {}
    for part in parts():
        for key, value in getattr(part, attribute, {}).items():
            if key in combined:
                raise AssertionError(f"{key} is declared twice in tests/security/matrix_parts ({part.__name__})")
            combined[key] = value
    return combined


def pending() -> set[str]:
    return {name for part in parts() for name in getattr(part, "PENDING", ())}
