"""The French catalog is complete, has no fuzzy entry, and holds every string of the code."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations/fr/LC_MESSAGES/messages.po"


def _load(path):
    with open(path, "rb") as fh:
        return read_po(fh)


def _key(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def test_french_catalog_is_complete_and_not_fuzzy():
    catalog = _load(PO)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings):
            untranslated.append(_key(message))
        if message.fuzzy:
            fuzzy.append(_key(message))
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_catalog_holds_every_string_of_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "n_:1,2",
         "--no-location", "-o", str(pot), "meapp"],
        cwd=ROOT, check=True, capture_output=True,
    )
    in_code = {_key(m) for m in _load(pot) if m.id}
    in_catalog = {_key(m) for m in _load(PO) if m.id}
    assert not in_code - in_catalog, f"run `flask translate update` and translate: {sorted(in_code - in_catalog)}"


def test_placeholders_survive_translation():
    import re

    for message in _load(PO):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id
