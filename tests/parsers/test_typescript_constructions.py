"""scaffold.parsers.typescript: constructions, constant strings per stage, type members (the SST infra helpers)."""

from __future__ import annotations

from tree_sitter import Node

from scaffold.parsers.typescript import (
    ParsedTs,
    constructions,
    declarations,
    declared_name,
    evaluate_string,
    member_properties,
    object_property,
    parse_typescript,
    possible_objects,
    property_keys,
    text_of,
    type_members,
    variable_declarator,
    walk,
)

INFRA = """export const name = "billing";
const stage = $app.stage;
const hostname = stage === "prod" ? `${name}.platform.loop.health` : `${name}.${stage}.platform.loop.health`;
const scaling = stage === "prod" ? { min: 2, max: 10 } : { min: 1, max: 2 };
const secret = new sst.Secret("BillingSentryDsn");
const service = new sst.aws.Service("Billing", {
  scaling: { ...scaling, cpuUtilization: 70 },
  loadBalancer: { domain: { name: hostname, dns: sst.cloudflare.dns() } },
  environment: { SENTRY_DSN: secret.value },
});
new aws.cloudwatch.MetricAlarm("ErrorRate", { name: `billing-error-rate-${stage}` });
"""


def test_constructions_name_their_constructor_variable_and_line() -> None:
    parsed = parse_typescript(INFRA)
    found = [(c.constructor, c.first_string(), c.variable, c.line) for c in constructions(parsed)]
    assert found == [
        ("sst.Secret", "BillingSentryDsn", "secret", 5),
        ("sst.aws.Service", "Billing", "service", 6),
        ("aws.cloudwatch.MetricAlarm", "ErrorRate", None, 11),
    ]
    assert [c.line for c in constructions(parsed, "sst.Secret")] == [5]
    assert [c.line for c in constructions(parsed, lambda name: name.endswith("Alarm"))] == [11]


def test_construction_options_and_nested_option_nodes() -> None:
    service = constructions(parse_typescript(INFRA), "sst.aws.Service")[0]
    options = service.options()
    assert options is not None and isinstance(options.value, dict)
    assert set(options.value) == {"scaling", "loadBalancer", "environment"}
    domain_name = service.option("loadBalancer", "domain", "name")
    assert domain_name is not None and text_of(domain_name) == "hostname"
    assert service.option("loadBalancer", "missing") is None


def test_evaluate_string_folds_the_stage_per_deployment() -> None:
    parsed = parse_typescript(INFRA)
    hostname = declarations(parsed)["hostname"]
    hosts = {stage: evaluate_string(parsed, hostname, {"$app.stage": stage}) for stage in ("dev", "prod")}
    assert hosts == {"dev": "billing.dev.platform.loop.health", "prod": "billing.platform.loop.health"}
    assert evaluate_string(parsed, hostname) is None  # the stage is unknown without a binding


def test_evaluate_string_reads_const_objects_and_concatenation() -> None:
    parsed = parse_typescript(
        'const R = { "service.name": "billing", nested: { a: "x" } } as const;\n'
        'f(R["service.name"], R.nested.a, "a" + "b", g());\n'
    )
    call = next(node for node in _walk_calls(parsed) if text_of(node).startswith("f("))
    arguments = call.child_by_field_name("arguments")
    assert arguments is not None
    values = [evaluate_string(parsed, node) for node in arguments.named_children]
    assert values == ["billing", "x", "ab", None]


def test_possible_objects_follow_ternaries_and_consts() -> None:
    parsed = parse_typescript(INFRA)
    scaling = declarations(parsed)["scaling"]
    assert [value.plain() for value in possible_objects(parsed, scaling)] == [
        {"min": 2, "max": 10},
        {"min": 1, "max": 2},
    ]


def test_object_property_handles_string_and_computed_keys() -> None:
    parsed = parse_typescript('const o = { "a.b": 1, [KEY]: 2, plain: 3 };\n')
    node = declarations(parsed)["o"]
    assert text_of(object_property(node, "a.b")) == "1"  # type: ignore[arg-type]
    assert text_of(object_property(node, "[KEY]")) == "2"  # type: ignore[arg-type]
    assert object_property(node, "absent") is None


def test_property_keys_and_member_properties() -> None:
    parsed = parse_typescript(
        'const Env = z.object({ SENTRY_DSN: z.url(), "PORT": z.number() });\n'
        'const a = process.env.AUTH_SECRET;\nconst b = process.env["DATABASE_URL"];\n'
    )
    assert property_keys(parsed) == [("SENTRY_DSN", 1), ("PORT", 1)]
    assert member_properties(parsed, "process.env") == [("AUTH_SECRET", 2), ("DATABASE_URL", 3)]


def test_declared_name_and_nested_declarators() -> None:
    parsed = parse_typescript('export default f({ async run() { const services = [await import("./a")]; } });\n')
    declarator = variable_declarator(parsed, "services")
    assert declarator is not None
    dynamic_import = next(node for node in _walk_calls(parsed) if text_of(node).startswith("import("))
    assert declared_name(dynamic_import) == "services"
    assert variable_declarator(parsed, "absent") is None


def test_type_members_of_openapi_typescript_output() -> None:
    parsed = parse_typescript(
        'export interface paths {\n  "/items": {\n    parameters: { query?: never };\n'
        '    get: operations["listItems"];\n    put?: never;\n  };\n}\nexport type X = { a: string };\n'
    )
    paths = type_members(parsed, "paths")
    assert paths is not None and [(m.name, m.line) for m in paths] == [("/items", 2)]
    members = [(m.name, m.optional, m.type_text) for m in paths[0].members]
    assert members[1:] == [("get", False, 'operations["listItems"]'), ("put", True, "never")]
    assert [m.name for m in type_members(parsed, "X") or []] == ["a"]
    assert type_members(parsed, "absent") is None


def _walk_calls(parsed: ParsedTs) -> list[Node]:
    return [node for node in walk(parsed.root) if node.type == "call_expression"]
