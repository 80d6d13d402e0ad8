"""ui helpers without Streamlit: texts of both languages, connection presets, error hints."""

from __future__ import annotations

import re
import string
from html import unescape
from pathlib import Path

import pytest

from mvdb_core.categories import BY_NAME, CATEGORY_NAMES, MASTER_TYPES
from mvdb_core.errors import (
    AuthenticationError,
    DiskFullError,
    InvalidBackupError,
    MissingFile,
    MissingTable,
    MvdbError,
    PermissionDenied,
    PlanChanged,
    StoreBusy,
    StoreError,
    Unreachable,
    UsageError,
    VerificationError,
)
from mvdb_core.progress import Stage
from mvdb_core.redaction import redact
from mvdb_core.stores import DEFAULT_STORE, DEFAULT_TABLE, KINDS
from ui.connection import Connection, custom, presets, supabase_url
from ui.errors import classify
from ui.i18n import LANGUAGES, TEXTS, Translator, language_for_locale
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_have_the_same_keys_and_placeholders():
    en, id_ = TEXTS["en"], TEXTS["id"]
    assert set(en) == set(id_)
    for key in en:
        assert _fields(en[key]) == _fields(id_[key]), key
    assert set(LANGUAGES) == set(TEXTS)


def test_every_text_the_code_asks_for_exists():
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in UI_FILES:
        src = path.read_text()
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z_.]+)["']\s*[,)]""", src))
        prefixes |= set(re.findall(r"""["']([a-z_]+\.[a-z_]*)["']\s*\+""", src))
    assert used, "no t() calls found"
    missing = sorted(k for k in used if k not in TEXTS["en"])
    assert not missing
    dynamic = {
        "cat.": CATEGORY_NAMES,
        "group.": {c.group for c in BY_NAME.values()} | {"Total", "Movies", "Master data", "Favorites"},
        "master.": MASTER_TYPES.values(),
        "kind.": (*KINDS, "unknown"),
        "fav.": ("movie", "image", "cast", "series", "photobook", "unknown"),
        "restore.mode_": ("merge", "mirror"),
        "restore.extra_": ("merge", "mirror"),
        "stage.": [s.value for s in Stage],
        "migration.mode_": ("auto", "merge", "mirror"),
        "migration.target_": ("postgresql", "supabase"),
        "backup.empty_todo_": ("sqlite", "remote"),
        "backup.table_missing_todo_": ("sqlite", "remote"),
        "repo.enc_": ("age", "passphrase", "none"),
        "browse.source_": ("store", "file", "snapshot"),
    }
    assert prefixes <= set(dynamic), prefixes - set(dynamic)
    for prefix, names in dynamic.items():
        for name in names:
            assert prefix + name in TEXTS["en"], prefix + name


def test_texts_named_by_data_exist():
    """Text keys that are data, not t() calls: connection names the dashboard gives, page titles."""
    env = {"MVDB_STORE_URL": "sqlite:///tmp/x.db"}
    conns = [*presets(env, {"store_url": "sqlite:///tmp/y.db"}), *(custom(k, "x", "t", "k") for k in KINDS)]
    keys = {c.title_key for c in conns}
    assert None not in keys and len(keys) == 6
    keys |= {key for _, key, _ in PAGES}
    assert sorted(k for k in keys if k not in TEXTS["en"]) == []


def test_texts_format_and_numbers():
    en, id_ = Translator("en"), Translator("id")
    assert en("backup.progress", done=1234, total=56789) == "1,234 of 56,789 rows"
    assert id_("backup.progress", done=1234, total=56789) == "1.234 dari 56.789 baris"
    assert Translator("fr")("nav.backup") == "Backup"  # unknown language: English
    assert en("no.such.key") == "no.such.key"
    assert (en.decimal(1234.56), id_.decimal(1234.56)) == ("1,234.6", "1.234,6")


@pytest.mark.parametrize(("locale", "lang"), [("id-ID", "id"), ("id", "id"), ("in-ID", "id"), ("en-US", "en"),
                                              ("de-DE", "en"), (None, "en"), ("", "en")])
def test_language_for_locale(locale, lang):
    assert language_for_locale(locale) == lang


def test_presets_order_and_sources():
    env = {"MVDB_STORE_URL": "https://abcdefghijklmnopqrst.supabase.co", "MVDB_SUPABASE_KEY": "service-key-123",
           "MVDB_TABLE": "kv_store_other"}
    secrets = {"store_url": "postgresql://u:dbpass@db.example.com/postgres",
               "stores": {"staging": {"url": "sqlite:///tmp/s.db", "table": "t2"}, "broken": "not a table"}}
    found = presets(env, secrets)
    assert [c.name for c in found] == ["Environment", "Secrets", "staging", "Embedded SQLite"]
    assert found[0].key == "service-key-123" and found[0].table == "kv_store_other"
    assert found[2].table == "t2"
    assert found[-1].url == DEFAULT_STORE and found[-1].table == "kv_store_other"
    assert [c.name for c in presets({}, None)] == ["Embedded SQLite"]
    assert presets({}, None)[0].table == DEFAULT_TABLE


def test_connections_never_show_secrets():
    pg = Connection("x", "postgresql://user:dbpass@db.example.com:5432/postgres")
    sb = Connection("y", "https://abcdefghijklmnopqrst.supabase.co", key="super-secret-key")
    for c in (pg, sb):
        shown = c.label() + c.where() + c.identity() + repr(c)
        assert "dbpass" not in shown and "super-secret-key" not in shown
    assert pg.secrets() == ["dbpass"] and sb.secrets() == ["super-secret-key"]
    assert sb.identity() != Connection("y", sb.url, key="another-key").identity()
    assert Connection("z", "sqlite://data/mvdb.sqlite3").where() == "data/mvdb.sqlite3"
    assert Connection("z", "sqlite:///abs/file.db").where() == "/abs/file.db"


def test_custom_connections():
    assert supabase_url("abcdefghijklmnopqrst") == "https://abcdefghijklmnopqrst.supabase.co"
    assert supabase_url(" https://abcdefghijklmnopqrst.supabase.co/ ") == "https://abcdefghijklmnopqrst.supabase.co"
    assert supabase_url("abcdefghijklmnopqrst.supabase.co") == "https://abcdefghijklmnopqrst.supabase.co"
    c = custom("supabase", "abcdefghijklmnopqrst", "", " k ")
    assert (c.kind, c.table, c.key) == ("supabase", DEFAULT_TABLE, "k")
    assert custom("sqlite", "data/x.db", "t").url == "sqlite://data/x.db"
    assert custom("postgresql", " postgresql://a@b/c ", "t").url == "postgresql://a@b/c"


@pytest.mark.parametrize(
    ("exc", "head", "hint"),
    [
        (InvalidBackupError("invalid backup file: x"), "error.invalid_backup", "hint.invalid_backup"),
        (VerificationError("verification failed"), "error.verification", "hint.verification"),
        (MissingTable("x"), "error.store", "hint.table_missing"),
        (MissingFile("x"), "error.store", "hint.missing_file"),
        (AuthenticationError("x"), "error.store", "hint.bad_login"),
        (PermissionDenied("x"), "error.store", "hint.permission"),
        (Unreachable("x"), "error.store", "hint.no_connection"),
        (StoreBusy("x"), "error.store_busy", "hint.busy"),
        (PlanChanged("x"), "error.plan_changed", "hint.plan_changed"),
        (DiskFullError("x"), "error.disk_full", "hint.disk_full"),
        (StoreError("x"), "error.store", "hint.store"),
        (UsageError("bad value"), "error.usage", "hint.usage"),
        (MvdbError("other"), "error.generic", "hint.generic"),
        (ModuleNotFoundError("x"), "error.missing_module", "hint.missing_module"),
        (ZeroDivisionError(), "error.unexpected", "hint.unexpected"),
    ],
)
def test_error_classification(exc, head, hint):
    assert classify(exc) == (head, hint)
    assert head in TEXTS["en"] and hint in TEXTS["en"]


def test_redact():
    assert redact("key abcdef and pw hunter22 here", ["abcdef", "hunter22", None, "ab"]) == "key *** and pw *** here"


NASTY = [
    "[click](https://evil.example/x).json", "![x](https://evil.example/p.png).json", "postgres:***@db.host/x",
    "**bold** _it_ ~~gone~~ `code`", "# heading", "1. item", "- item", "> quote", "| a | b |", "<img src=x>",
    "$x^2$", "a\\b", "line\nbreak", "&amp; &#60;", "www.evil.example", "kv_store_cd38bf14", "<https://evil.example>",
    "[ref]: https://evil.example", "x  ", "***", "_",
]


@pytest.mark.parametrize("value", NASTY)
def test_md_shows_outside_values_as_the_text_they_are(value):
    """CommonMark (what Streamlit's renderer is built on) gives back the text, in one paragraph, no markup."""
    from markdown_it import MarkdownIt

    from ui.texts import WORD_JOINER, md

    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md(value))
    assert html.startswith("<p>") and html.endswith("</p>\n") and html.count("<") == 2, html
    text = unescape(html[3:-5]).replace(WORD_JOINER, "")
    assert text == " ".join(value.split())
    code = MarkdownIt("commonmark").render(md(value, code=True))
    assert unescape(re.sub(r"</?(p|code)>", "", code)).strip() == " ".join(value.split()).strip()
