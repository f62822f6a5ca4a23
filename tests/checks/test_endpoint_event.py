"""EP and EVT helpers: request-path matching and the schema export name `scaffold event` writes."""

from __future__ import annotations

from scaffold.checks.endpoint import path_pattern, requested_paths
from scaffold.checks.event import default_export_name
from scaffold.parsers.typescript import parse_typescript


def test_path_patterns_match_one_segment_per_parameter() -> None:
    pattern = path_pattern("/invoices/{id}/lines")
    assert pattern.match("/invoices/inv_1/lines") and pattern.match("/invoices/x/lines/")
    assert not pattern.match("/invoices/lines") and not pattern.match("/invoices/a/b/lines")


def test_requested_paths_reduce_urls_and_templates_to_paths() -> None:
    parsed = parse_typescript('get(`${base}/invoices/${id}?expand=1`); get("https://api.example/items"); x("word");')
    assert [p for p, _ in requested_paths(parsed)] == ["/invoices/x", "/items"]


def test_default_export_names() -> None:
    assert default_export_name("billing.item_created") == "itemCreated"
    assert default_export_name("platform.heartbeat") == "heartbeat"
