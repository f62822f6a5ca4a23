"""How SVC-TEST-02 / 04 match test cases to routes."""

from __future__ import annotations

from scaffold.checks._service import TsFile
from scaffold.checks.svc_tests import covers, path_pattern, request_paths, suite_cases
from scaffold.parsers.typescript import parse_typescript

TESTS = """
describe("GET /items/:id", () => {
  it("answers 404 for an unknown id", async () => {
    expect((await call(app, "GET", `/items/${crypto.randomUUID()}`)).status).toBe(404);
  });
});
it("answers 401 without a token on every route", async () => {
  expect(res.status).toBe(401);
});
it("deletes", async () => {
  const res = await client.DELETE("/items/{id}", { params: { path: { id } } });
  expect(res).toHaveProperty("status", 409);
});
"""


def test_path_patterns_accept_both_parameter_styles() -> None:
    pattern = path_pattern("/items/{id}")
    assert pattern.match("/items/abc") and pattern.match("/items/{id}")
    assert path_pattern("/items/:id").match("/items/x") and not path_pattern("/items/:id").match("/items/x/notes")
    assert request_paths(["/items/${id}?limit=1", "billing:read", "/items#x"]) == ["/items/x", "/items"]


def test_suite_cases_match_routes_by_title_body_or_every_route() -> None:
    by_title, every_route, by_body = suite_cases([TsFile("t.test.ts", parse_typescript(TESTS))])
    assert by_title.titles == ("GET /items/:id", "answers 404 for an unknown id") and by_title.statuses == {404}
    assert covers(by_title, "get", "/items/{id}", is_mutation=False)
    assert not covers(by_title, "delete", "/items/{id}", is_mutation=True)
    assert every_route.statuses == {401} and covers(every_route, "post", "/anything", is_mutation=True)
    assert by_body.statuses == {409} and covers(by_body, "delete", "/items/{id}", is_mutation=True)
    assert not covers(by_body, "get", "/items/{id}", is_mutation=False)
