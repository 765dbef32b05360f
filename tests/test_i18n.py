"""The English translation: every string the sources mark for translation has an English text that
keeps its placeholders, and the interface (web and API) switches between Vietnamese and English."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

import cadretrain

PACKAGE = Path(cadretrain.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("msgfmt")),
    reason="GNU gettext (xgettext, msgmerge, msgfmt) is needed to extract and compile messages",
)


# --- A small .po reader (the product does not depend on a .po library) ----------------------

def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt (or None), msgid, msgid_plural, msgstr (list: one item, or one per
    plural form), flags."""
    entries: list[dict] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts: dict[tuple[str, int], str] = {}
        flags: set[str] = set()
        current: tuple[str, int] | None = None
        obsolete = False
        for line in block.splitlines():
            if line.startswith("#~"):
                obsolete = True
            elif line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif m := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?\s+(".*")$', line):
                current = (m.group(1), int(m.group(2) or 0))
                parts[current] = _unquote(m.group(3))
            else:  # a continuation line of the current string
                assert current is not None and line.startswith('"'), f"unexpected line in {path}: {line!r}"
                parts[current] += _unquote(line)
        msgid = parts.get(("msgid", 0))
        if msgid and not obsolete:  # the header has an empty msgid
            entries.append({
                "msgctxt": parts.get(("msgctxt", 0)),
                "msgid": msgid,
                "msgid_plural": parts.get(("msgid_plural", 0)),
                "msgstr": [v for (k, _i), v in sorted(parts.items()) if k == "msgstr"],
                "flags": flags,
            })
    return entries


# --- Fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fresh_extraction(tmp_path_factory) -> list[dict]:
    """Extract the messages from a copy of the package merged with the committed catalogue, as
    `makemessages` would (new strings come in untranslated, near-misses come in fuzzy)."""
    root = tmp_path_factory.mktemp("i18n") / "cadretrain"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns(
        "data", "static", "__pycache__", "*.mo", "*.sqlite3*", "vi"))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with override_settings(LOCALE_PATHS=[str(root / "locale")]):
            call_command("makemessages", locale=["en"], no_location=True, no_obsolete=True,
                         ignore_patterns=["data/*"], verbosity=0)
    finally:
        os.chdir(cwd)
    return read_po(root / "locale" / "en" / "LC_MESSAGES" / "django.po")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """`make test` compiles the catalogues first; compile stale ones here too when run on their own.
    msgfmt writes a temporary file that is renamed into place, so parallel workers never read half a file."""
    for lang in ("en", "vi"):
        po, mo = LOCALE / lang / "LC_MESSAGES" / "django.po", LOCALE / lang / "LC_MESSAGES" / "django.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        tmp = mo.with_name(f"django.mo.{os.getpid()}")
        subprocess.run(["msgfmt", "--check-format", "-o", str(tmp), str(po)], check=True)
        os.replace(tmp, mo)


# --- The catalogue ------------------------------------------------------------------------------

def test_every_string_in_the_sources_has_an_english_translation(fresh_extraction):
    assert len(fresh_extraction) > 500  # the extraction really walked templates and Python
    untranslated = [e["msgid"] for e in fresh_extraction if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in fresh_extraction if "fuzzy" in e["flags"]]
    assert not untranslated, (
        f"{len(untranslated)} string(s) without an English translation; run makemessages and translate "
        f"them in {EN_PO.relative_to(PACKAGE.parent.parent)}: {untranslated[:20]}")
    assert not fuzzy, f"{len(fuzzy)} fuzzy (guessed) translation(s) to check: {fuzzy[:20]}"


def test_the_extraction_sees_templates_python_and_plural_forms(fresh_extraction):
    msgids = {e["msgid"] for e in fresh_extraction}
    assert "Đăng nhập" in msgids  # accounts/templates/accounts/login.html
    assert "Diện Ban Thường vụ Thành ủy quản lý" in msgids  # core/choices.py
    assert any(e["msgid_plural"] for e in fresh_extraction)  # {% blocktranslate count %}


PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sd]|\{[A-Za-z_]\w*\}")


def test_one_vietnamese_word_gets_the_english_its_context_needs():
    """"Rút" is a button (Withdraw) and a status (Withdrawn); "Cán bộ" is a category (Cadre) and
    the people menu (Staff): msgctxt keeps each meaning's translation apart."""
    english = {(e["msgctxt"], e["msgid"]): e["msgstr"][0] for e in read_po(EN_PO)}
    assert english[("action", "Rút")] == "Withdraw"
    assert english[("status", "Rút")] == "Withdrawn"
    assert english[("category", "Cán bộ")] == "Cadre"
    assert english[("menu", "Cán bộ")] == "Staff"
    assert english[("menu", "Đơn vị")] == "Units"


def test_english_translations_keep_every_placeholder():
    wrong = []
    for e in read_po(EN_PO):
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        for text in e["msgstr"]:
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((e["msgid"], text))
    assert not wrong, wrong


def test_plural_entries_have_a_singular_and_a_plural_english_form():
    plurals = [e for e in read_po(EN_PO) if e["msgid_plural"]]
    assert plurals
    for e in plurals:
        assert len(e["msgstr"]) == 2 and all(e["msgstr"]), e["msgid"]


# --- The running interface ------------------------------------------------------------------------

LOGIN = "/accounts/login/"


def test_login_page_is_vietnamese_by_default_and_english_after_switching(client, db):
    page = client.get(LOGIN).content.decode()
    assert '<html lang="vi">' in page and "Mật khẩu" in page and "Tên đăng nhập" in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302 and response["Location"] == LOGIN

    page = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in page
    assert "Password" in page and "Username" in page and "Sign in" in page
    assert "Mật khẩu" not in page and "Tên đăng nhập" not in page


def test_navigation_and_choice_labels_follow_the_language(client_for, world):
    officer = client_for("officer_a")
    officer.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = officer.get("/people/").content.decode()
    assert ">Overview<" in page  # lazy label in web/context_processors.py
    assert ">Staff<" in page and ">Units<" in page  # menu labels translated in their own context
    assert "Managed by the City Party Standing Committee" in page  # TextChoices label in a filter
    assert "Tổng quan" not in page


def test_api_error_message_follows_accept_language(client, db):
    english = client.get("/api/v1/people", headers={"Accept-Language": "en"})
    assert english.status_code == 401
    assert english.json() == {"code": "unauthorized", "message": "Sign in or provide a valid API token."}

    vietnamese = client.get("/api/v1/people")
    assert vietnamese.status_code == 401
    assert vietnamese.json()["message"] == "Cần đăng nhập hoặc mã truy cập API hợp lệ."


def test_api_not_found_message_is_english_for_an_english_client(api_for, world):
    response = api_for("officer_a").get("/api/v1/people/NO-SUCH-PERSON", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json()["message"] == "Person not found."
