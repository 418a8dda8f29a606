"""The verifier as a wheel anyone can `pipx install` from the ledger's address: `fundtrail verify`
and nothing else, for a backer or auditor without a checkout (there is no release on PyPI).

Built in memory from this installation's own modules, so the verifier people install is the
one the ledger runs, never a second copy that could drift. Only the modules `fundtrail verify`
imports go in (no Flask, SQLAlchemy, Kafka or WeasyPrint), with the few libraries they need as
its dependencies, at the project's own lower bounds. The build is reproducible (fixed times,
sorted names), and the version carries the contents' hash: a changed verifier gets a new file
name, so nobody's cache serves an old one under the new name.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import services
import shared

#: The distribution's name on the wheel (no index knows it: it is installed from its address).
NAME = "fundtrail-verify"
#: What `fundtrail verify` imports from this repository, relative to the two packages' parent
#: folder: the e2e test installs the wheel into an empty virtual environment and runs it, so a
#: module missing here fails there.
MODULES = (
    "services/__init__.py",
    "services/ledger/__init__.py",
    "services/ledger/cli.py",
    "services/ledger/verify.py",
    "services/ledger/verify_batch.py",
    "services/ledger/domain/__init__.py",
    "services/ledger/domain/accounts_chart.py",
    "services/ledger/domain/canonical.py",
    "services/ledger/domain/entries.py",
    "services/ledger/domain/entry_kinds.py",
    "services/ledger/domain/errors.py",
    "services/ledger/domain/journal.py",
    "services/ledger/domain/merkle.py",
    "services/ledger/domain/provider_money.py",
    "services/ledger/domain/reversals.py",
    "services/ledger/domain/rules.py",
    "services/ledger/domain/signed_note.py",
    "shared/__init__.py",
    "shared/errors.py",
    "shared/money.py",
    "shared/text.py",
)
#: The libraries those modules import; their bounds come from the project's own requirements.
REQUIRES = ("babel", "click", "cryptography", "msgspec", "rfc8785")
ENTRY_POINT = "fundtrail = services.ledger.cli:verifier"
#: Zip entries' time: the earliest a zip can hold, so equal contents make equal bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Wheel:
    """The built wheel: its file name (what pip reads the name and version from) and bytes."""

    filename: str
    version: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@functools.cache
def verifier_wheel() -> Wheel:
    """The wheel, built once per process."""
    root = Path(services.__file__).resolve().parent.parent
    if Path(shared.__file__).resolve().parent.parent != root:
        raise RuntimeError("services and shared are not installed side by side")
    sources = {name: (root / name).read_bytes() for name in MODULES}
    digest = hashlib.sha256()
    for name, data in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    # The local label ties the name to the contents (PEP 440 allows it; pip reads it).
    version = f"{_project_version()}+{digest.hexdigest()[:12]}"
    dist_info = f"{NAME.replace('-', '_')}-{version}.dist-info"
    files = dict(sources)
    files[f"{dist_info}/METADATA"] = _metadata(version).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: fundtrail\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{dist_info}/entry_points.txt"] = f"[console_scripts]\n{ENTRY_POINT}\n".encode()
    files[f"{dist_info}/top_level.txt"] = b"services\nshared\n"
    record = "".join(f"{name},sha256={_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    filename = f"{NAME.replace('-', '_')}-{version}-py3-none-any.whl"
    return Wheel(filename=filename, version=version, content=buffer.getvalue())


def _project_version() -> str:
    try:
        return metadata.version("fundtrail")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0"


def _metadata(version: str) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {version}",
        "Summary: Fundtrail's offline verifier of a campaign's ledger export",
        "License: see the Fundtrail repository",
        "Requires-Python: >=3.11",
        *(f"Requires-Dist: {requirement}" for requirement in _requirements()),
    ]
    return "\n".join(lines) + "\n"


def _requirements() -> list[str]:
    """The project's own requirement line for each library the verifier needs (its lower
    bound), or the bare name where the project's metadata cannot be read."""
    try:
        declared = metadata.requires("fundtrail") or []
    except metadata.PackageNotFoundError:
        declared = []
    found = {}
    for line in declared:
        if ";" in line:
            continue  # extras (dev, tests) are no part of the verifier
        name = line.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        found[name] = line.strip()
    return [found.get(name, name) for name in REQUIRES]


def _hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
