"""A service's openapi.yaml cannot make `scaffold verify` read files outside the service or reach the network:
`$ref`s resolve inside the service folder only; others are a finding naming the ref (issue 10, point 4)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from scaffold.cli import main
from scaffold.verify.engine import Selection, run_checks
from scaffold.verify.model import Finding, Status

SECRET = "TOP-SECRET-MARKER-5f1c"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "platform"
    assert main(["init", str(root), "--defaults", "--no-verify"]) == 0
    assert main(["new", "service", "billing", "--repo", str(root), "--defaults", "--no-verify"]) == 0
    return root


@pytest.fixture
def repo(generated: Path, tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    shutil.copytree(generated, root, symlinks=True)
    return root


def _point_first_schema_ref_at(root: Path, ref: str) -> None:
    """The first `$ref` of the service's openapi.yaml (generated: a component reference) made `ref`."""
    spec = root / "services/billing/openapi.yaml"
    text = spec.read_text()
    start = text.index("$ref: ")
    end = text.index("\n", start)
    spec.write_text(text[:start] + f'$ref: "{ref}"' + text[end:])


def _code_03(root: Path) -> list[Finding]:
    findings = run_checks(root, Selection(only=("SVC-CODE-03",)), apply_attestations=False)
    return [f for f in findings if f.subject == "service:billing"]


def _everything_said(findings: list[Finding]) -> str:
    return json.dumps([[f.message, f.fix, f.file] for f in findings])


def test_a_file_uri_outside_the_service_is_never_read(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"Item:\n  type: object\n  description: {SECRET}\n")
    for ref in (f"file://{outside}#/Item", "file:///etc/passwd"):
        _point_first_schema_ref_at(repo, ref)
        findings = _code_03(repo)
        failing = [f for f in findings if f.status is Status.FAIL]
        assert failing and any(ref in f.message for f in failing), findings
        assert SECRET not in _everything_said(findings) and "root:x:0:0" not in _everything_said(findings)


def test_a_relative_ref_leading_out_of_the_service_is_never_read(repo: Path) -> None:
    (repo / "services/secret.yaml").write_text(f"Item:\n  type: object\n  description: {SECRET}\n")
    _point_first_schema_ref_at(repo, "../secret.yaml#/Item")
    findings = _code_03(repo)
    assert any("../secret.yaml#/Item" in f.message and f.status is Status.FAIL for f in findings), findings
    assert SECRET not in _everything_said(findings)


def test_a_link_inside_the_service_leading_out_is_never_read(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"Item:\n  type: object\n  description: {SECRET}\n")
    (repo / "services/billing/schemas").mkdir()
    (repo / "services/billing/schemas/item.yaml").symlink_to(outside)
    _point_first_schema_ref_at(repo, "./schemas/item.yaml#/Item")
    findings = _code_03(repo)
    assert any("./schemas/item.yaml#/Item" in f.message and f.status is Status.FAIL for f in findings), findings
    assert SECRET not in _everything_said(findings)


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = b"Item: {type: object}\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    _Recorder.hits = []
    httpd = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.hits
    finally:
        httpd.shutdown()
        thread.join()


def test_a_network_ref_is_never_fetched(repo: Path, server: tuple[str, list[str]]) -> None:
    base, hits = server
    ref = f"{base}/schema.yaml#/Item"
    _point_first_schema_ref_at(repo, ref)
    findings = _code_03(repo)
    assert any(ref in f.message and f.status is Status.FAIL for f in findings), findings
    assert hits == []


def test_a_relative_ref_inside_the_service_is_followed(repo: Path) -> None:
    (repo / "services/billing/schemas").mkdir()
    (repo / "services/billing/schemas/item.yaml").write_text("Item:\n  type: object\n")
    _point_first_schema_ref_at(repo, "./schemas/item.yaml#/Item")
    findings = _code_03(repo)
    assert [f.status for f in findings] == [Status.PASS], findings


def test_a_schema_id_cannot_turn_a_relative_ref_into_a_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A schema's `$id` could make `b.json` name a network document; the validator resolves it against the
    document's own place (as openapi-spec-validator does), so the service's file is read and nothing fetched."""
    import socket

    from scaffold.parsers.manifests import ParsedYaml, load_yaml
    from scaffold.parsers.openapi import References, load_openapi

    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    document = """openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    A:
      $id: https://example.com/schemas/a
      type: object
      properties:
        b: {$ref: "b.json"}
"""
    files = {"services/billing/b.json": '{"type": "string"}'}

    def read(path: str) -> ParsedYaml | None:
        return load_yaml(files[path]) if path in files else None

    spec = load_openapi(document, References("services/billing/openapi.yaml", "services/billing", read))
    assert attempts == []
    assert spec.errors == ()
