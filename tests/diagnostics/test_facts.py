"""The facts behind the technician's backend and system pages, from real files and sockets."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import load_config
from kiosk.diagnostics.facts import config_check, default_gateway, network_facts

EXAMPLE = Path(__file__).resolve().parents[2] / "kiosk.example.toml"


def test_the_config_check_reads_the_file_again_as_check_config_does(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    text = EXAMPLE.read_text(encoding="utf-8").replace('token = "change-me"', 'token = "t-1"')
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)  # the token is a secret: only the kiosk's user may read the file
    config = load_config(path)
    assert config_check(config) == (
        f"{path}: valid (kiosk {config.kiosk.id}, backend {config.backend.url})"
    )
    path.write_text("[kiosk]\nid = 5\n", encoding="utf-8")  # broken since the kiosk started
    assert "kiosk.id" in config_check(config)


def test_the_default_gateway_comes_from_the_kernel_s_route_table(tmp_path: Path) -> None:
    table = tmp_path / "route"
    table.write_text(
        "Iface\tDestination\tGateway \tFlags\n"
        "lo\t0000007F\t00000000\t0001\n"
        "lo\t00000000\t0100007F\t0003\n",
        encoding="ascii",
    )
    assert default_gateway(table) == "127.0.0.1"
    assert default_gateway(tmp_path / "missing") == "-"


def test_network_facts_resolve_the_backend_host_without_tls_on_http() -> None:
    found = network_facts("http://localhost:8000/api/v1", "")
    assert found.host == "localhost"
    assert "127.0.0.1" in found.dns
    assert found.tls_expiry == "-"
