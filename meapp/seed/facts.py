"""The project's own copy of the GFMD 2020 facts (the demo's projects are in data/demo_projects.yaml)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
FACTS_FILE = DATA_DIR / "gfmd2020_annex_facts.yaml"


@lru_cache(maxsize=1)
def facts() -> dict:
    with FACTS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)
