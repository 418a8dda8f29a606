"""The verifier wheel the ledger serves: a well-formed, reproducible wheel of `fundtrail verify`
alone, under its own name only. The e2e browser test installs it and runs it."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

from services.ledger import verifier_wheel
from tests.integration.ledger.ledger_support import Ledger


def test_the_ledger_serves_a_wheel_of_the_verifier_alone(ledger: Ledger) -> None:
    described = ledger.client.get("/api/v1/verifier")
    assert described.status_code == 200
    about = described.json
    assert about["filename"].startswith("fundtrail_verify-")
    assert about["filename"].endswith("-py3-none-any.whl")
    assert about["path"] == f"/verifier/{about['filename']}"

    served = ledger.client.get(about["path"])

    assert served.status_code == 200
    assert served.headers["Content-Disposition"] == f'attachment; filename="{about["filename"]}"'
    content = served.get_data()
    assert hashlib.sha256(content).hexdigest() == about["sha256"]
    wheel = zipfile.ZipFile(io.BytesIO(content))
    names = wheel.namelist()
    dist_info = f"fundtrail_verify-{about['version']}.dist-info"
    # The verifier's modules, none of the services' web, database or Kafka code.
    assert "services/ledger/verify.py" in names and "shared/money.py" in names
    assert not [n for n in names if n.endswith(("app.py", "consumer.py", "bootstrap.py"))]
    entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert "fundtrail = services.ledger.cli:verifier" in entry_points
    metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert f"Version: {about['version']}" in metadata
    assert "Requires-Dist: cryptography>=" in metadata and "flask" not in metadata.lower()
    # RECORD lists every other file with its hash and size, as installers check.
    record = wheel.read(f"{dist_info}/RECORD").decode().splitlines()
    listed = {line.split(",")[0]: line.split(",")[1:] for line in record}
    assert set(listed) == set(names)
    for name, (digest, size) in listed.items():
        if name.endswith("RECORD"):
            continue
        data = wheel.read(name)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, size) == (f"sha256={expected}", str(len(data))), name


def test_the_wheel_is_reproducible_and_served_under_its_own_name_only(ledger: Ledger) -> None:
    built = verifier_wheel.verifier_wheel()
    verifier_wheel.verifier_wheel.cache_clear()
    again = verifier_wheel.verifier_wheel()
    assert again.content == built.content and again.filename == built.filename
    # The version names the contents: any other name is no file here.
    for other in ("fundtrail_verify-0.1.0-py3-none-any.whl", "..%2Fapp.py", "x.whl"):
        assert ledger.client.get(f"/verifier/{other}").status_code == 404, other
