"""The catalogue check behind `make lint`: a message in the code that is missing from a
catalogue, left empty or marked fuzzy fails it; the real catalogues pass."""

from __future__ import annotations

from pathlib import Path

from infra.translations import problems

PO_HEAD = 'msgid ""\nmsgstr ""\n"Language: id\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'


def catalogue_folder(tmp_path: Path, code: str, po: str) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "words.py").write_text(code)
    (tmp_path / "templates" / "page.html").write_text('<h1>{{ _("Back this campaign") }}</h1>')
    messages = tmp_path / "translations" / "id" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "messages.po").write_text(PO_HEAD + po)
    return tmp_path


def test_a_complete_catalogue_passes(tmp_path: Path) -> None:
    folder = catalogue_folder(
        tmp_path,
        'lazy_gettext("Goal")\nngettext("%(num)d day", "%(num)d days", 2)\n',
        'msgid "Goal"\nmsgstr "Target"\n\n'
        'msgid "%(num)d day"\nmsgid_plural "%(num)d days"\nmsgstr[0] "%(num)d hari"\n\n'
        'msgid "Back this campaign"\nmsgstr "Dukung kampanye ini"\n',
    )
    assert list(problems(folder)) == []


def test_missing_empty_fuzzy_and_broken_placeholders_fail(tmp_path: Path) -> None:
    folder = catalogue_folder(
        tmp_path,
        '_("Goal")\n_("Raised")\n_("%(amount)s left", amount=1)\n_("Spent")\n',
        'msgid "Raised"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Spent"\nmsgstr "Terpakai"\n\n'
        '#, python-format\nmsgid "%(amount)s left"\nmsgstr "sisa %(jumlah)s"\n\n'
        'msgid "Back this campaign"\nmsgstr "Dukung kampanye ini"\n',
    )
    found = "\n".join(problems(folder))
    assert "missing 'Goal'" in found
    assert "untranslated 'Raised'" in found
    assert "fuzzy 'Spent'" in found
    assert "'%(amount)s left'" in found and "jumlah" in found
