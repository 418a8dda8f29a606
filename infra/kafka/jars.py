"""Fetches the Kafka broker's jars from Maven Central into a cache, once per Kafka version."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from infra.kafka import BrokerError, log_tail

POM = Path(__file__).resolve().parent / "pom.xml"
REPO_ROOT = Path(__file__).resolve().parents[2]
_MAVEN_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
_COMPLETE_MARKER = ".complete"


def kafka_version(pom: Path = POM) -> str:
    """The Kafka version the pom fetches: the pom is the one place it is written down."""
    version = ET.parse(pom).getroot().findtext("m:properties/m:kafka.version", None, _MAVEN_NS)
    if not version:
        raise BrokerError(f"{pom} has no <kafka.version> property")
    return version.strip()


def default_cache_root() -> Path:
    """`FUNDTRAIL_CACHE_DIR` if set, else `<repo>/.cache`."""
    configured = os.environ.get("FUNDTRAIL_CACHE_DIR")
    return Path(configured) if configured else REPO_ROOT / ".cache"


def jar_dir(cache_root: Path | None = None, *, maven_timeout: float = 900) -> Path:
    """Return `<cache_root>/kafka/<version>/libs`, fetching the broker's jars with Maven first
    unless a previous fetch finished there."""
    version_dir = (cache_root or default_cache_root()) / "kafka" / kafka_version()
    libs = version_dir / "libs"
    marker = version_dir / _COMPLETE_MARKER
    if marker.exists():
        return libs
    version_dir.mkdir(parents=True, exist_ok=True)
    # Parallel test workers may all arrive here; only one of them should run Maven.
    with _exclusive_lock(version_dir / ".lock"):
        if marker.exists():
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError("Maven (`mvn`) is needed to fetch the Kafka jars; install it first")
        # Without the marker, whatever is in libs/ is an interrupted download.
        shutil.rmtree(libs, ignore_errors=True)
        command = [
            mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}", "-DincludeScope=runtime",
        ]  # fmt: skip
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=maven_timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BrokerError(
                f"Maven did not fetch the Kafka jars in {maven_timeout:.0f}s"
            ) from exc
        if result.returncode != 0 or not any(libs.glob("kafka_*.jar")):
            raise BrokerError(
                f"Maven failed to fetch the Kafka jars (exit {result.returncode}):\n"
                f"{log_tail(result.stdout + result.stderr)}"
            )
        marker.write_text(f"{kafka_version()}\n")
    return libs


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
