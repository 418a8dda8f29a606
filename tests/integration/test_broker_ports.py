"""The broker's free-port check on real sockets: TIME_WAIT leftovers do not block a restart."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.broker import find_free_port, port_is_free

TIME_WAIT = "06"  # the state code in /proc/net/tcp


def time_wait_count(port: int) -> int:
    """How many TCP sockets on local `port` sit in TIME_WAIT (Linux only)."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        pytest.skip("needs Linux's /proc/net/tcp to see TIME_WAIT sockets")
    count = 0
    for line in table.read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.rpartition(":")[2], 16) == port and state == TIME_WAIT:
            count += 1
    return count


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A server socket as Kafka's: the JVM sets SO_REUSEADDR on server sockets, and the
    connections it accepts (and their TIME_WAIT remains) inherit it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", find_free_port()))
    sock.listen()
    yield sock
    sock.close()


def test_a_port_left_with_time_wait_connections_is_free(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    for _ in range(3):
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server closes first, as a stopping broker does: TIME_WAIT is its
        assert client.recv(1) == b""
        client.close()
    listener.close()
    assert time_wait_count(port) >= 1  # the situation a quick restart of `make run` meets

    assert port_is_free(port)


def test_a_port_someone_listens_on_is_not_free(listener: socket.socket) -> None:
    assert not port_is_free(listener.getsockname()[1])


def test_a_port_listened_on_all_interfaces_is_not_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))  # noqa: S104  (the clash under test)
        sock.listen()
        assert not port_is_free(sock.getsockname()[1])
