"""The catalogue check behind `make lint`: every message in the code is in each language's
catalogue, translated (every plural form), not fuzzy, with the same placeholders.

    python -m infra.translations services/site shared

checks `<folder>/translations/<language>/LC_MESSAGES/messages.po` against what babel.cfg
extracts from `<folder>`; exit 1 with one line per problem.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

#: Babel's own keywords plus Flask-Babel's lazy ones (module-level constants).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
MAPPING = Path(__file__).resolve().parent.parent / "babel.cfg"


def extracted(folder: Path, mapping: Path = MAPPING) -> dict[str, int]:
    """The message ids the code in `folder` uses, each with its line (plural ids by singular)."""
    with mapping.open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, int] = {}
    for _, line, message, _, _ in extract_from_dir(
        str(folder), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple | list) else message
        if msgid:
            found.setdefault(msgid, line)
    return found


def problems(folder: Path, mapping: Path = MAPPING) -> Iterator[str]:
    """What is wrong with `folder`'s catalogues, one sentence each."""
    wanted = extracted(folder, mapping)
    catalogues = sorted((folder / "translations").glob("*/LC_MESSAGES/messages.po"))
    if wanted and not catalogues:
        yield f"{folder}: messages to translate but no catalogue under translations/"
    for path in catalogues:
        with path.open("rb") as po:
            catalog: Catalog = read_po(po)
        for msgid in wanted:
            message = catalog.get(msgid)
            if message is None:
                yield f"{path}: missing {msgid!r}"
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                yield f"{path}:{message.lineno}: fuzzy {msgid!r}"
            elif not all(strings):
                yield f"{path}:{message.lineno}: untranslated {msgid!r}"
        # Babel's checkers: the same %(name)s placeholders in the msgid and msgstr.
        for message, errors in catalog.check():
            for error in errors:
                yield f"{path}:{message.lineno}: {message.id!r}: {error}"


def main(folders: Iterable[str]) -> int:
    found = [problem for folder in folders for problem in problems(Path(folder))]
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
