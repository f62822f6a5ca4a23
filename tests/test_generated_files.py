"""Generated files: EVENT_NAMES matches the TypeScript generator byte for byte; pages are deterministic."""

from __future__ import annotations

from pathlib import Path

from scaffold.generated_files import (
    EndpointDoc,
    render_connect_capability,
    render_connect_page,
    render_event_names,
)

TEMPLATE_NAMES = Path(__file__).parent.parent / "templates/platform/packages/contracts/src/events/names.generated.ts"


def test_event_names_match_the_committed_output_of_the_typescript_generator() -> None:
    assert render_event_names(["platform.heartbeat"]) == TEMPLATE_NAMES.read_text()


def test_event_names_are_sorted_unique_and_an_empty_list_stays_valid() -> None:
    text = render_event_names(["b.x", "a.y", "b.x"])
    assert '  "a.y",\n  "b.x",\n] as const;' in text
    assert "export const EVENT_NAMES = [\n] as const;" in render_event_names([])


def _endpoint(service: str, operation_id: str, summary: str) -> EndpointDoc:
    return EndpointDoc(
        service, operation_id, "post", "/things", summary, "Does   a\nthing.", ("s:write",), None, (), None, (), ()
    )


def test_the_connect_page_holds_each_endpoint_block_grouped_by_service() -> None:
    endpoints = [_endpoint("zeta", "make", "Make"), _endpoint("alpha", "build", "Build")]
    page = render_connect_page(endpoints)
    assert page.index("## alpha") < page.index("## zeta")
    for endpoint in endpoints:
        assert render_connect_capability(endpoint) in page
    assert "Does a thing." in page and page.endswith("\n") and not page.endswith("\n\n")
