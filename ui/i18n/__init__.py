"""All dashboard texts, one module per language (en.py, id.py) with the same keys.

`Translator(lang)(key, **values)` formats a text; a key missing in a language falls back to
English, and an unknown key shows as itself (the tests keep both files complete).
"""

from __future__ import annotations

from typing import Any

from . import en
from . import id as id_

LANGUAGES: dict[str, str] = {"en": "English", "id": "Bahasa Indonesia"}
TEXTS: dict[str, dict[str, str]] = {"en": en.TEXTS, "id": id_.TEXTS}
DEFAULT = "en"


def language_for_locale(locale: str | None) -> str:
    """The browser's locale (e.g. `id-ID`, `en-US`) to one of ours."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    if code == "in":  # the old ISO code for Indonesian, still sent by some systems
        code = "id"
    return code if code in LANGUAGES else DEFAULT


class Translator:
    def __init__(self, lang: str = DEFAULT) -> None:
        self.lang = lang if lang in TEXTS else DEFAULT
        self.texts = TEXTS[self.lang]

    def __call__(self, key: str, **values: Any) -> str:
        text = self.texts.get(key)
        if text is None:
            text = TEXTS[DEFAULT].get(key, key)
        if values:
            values = {k: self.number(v) if isinstance(v, int) and not isinstance(v, bool) else v
                      for k, v in values.items()}
            return text.format(**values)
        return text

    @property
    def thousands(self) -> str:
        """The digit-group separator of this language (tables and charts use it too)."""
        return "." if self.lang == "id" else ","

    @property
    def decimal_mark(self) -> str:
        return "," if self.lang == "id" else "."

    def number(self, n: int) -> str:
        """1,234,567 in English, 1.234.567 in Indonesian."""
        return self.decimal(n, 0)

    def decimal(self, x: float, places: int = 1) -> str:
        """1,234.5 in English, 1.234,5 in Indonesian."""
        text = f"{x:,.{places}f}"
        return text.translate({ord(","): self.thousands, ord("."): self.decimal_mark})
