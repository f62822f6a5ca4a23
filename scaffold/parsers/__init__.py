"""Read-only views of the languages a platform repo is written in. Parsers import nothing else of scaffold.

- `typescript` — tree-sitter: `parse_typescript`, `routes`, `calls`, `imports`, `literal`, `transaction_scope`
- `sql` — pglast + squawk: `parse_migration`, `tables_created`, `indexes_created`, `schema_changes`, `run_squawk`
- `openapi` — libyaml + openapi-spec-validator: `load_openapi`, `operations`
- `manifests` — YAML with line numbers + JSON Schema: `load_yaml`, `validate`, `placeholders`
- `markdown` — headings and sections: `parse_markdown`
- `models/` — pydantic models of service.yaml, the catalog, M2M clients, the freeze calendar and integration.yaml,
  generated from scaffold/schemas/*.schema.json (`python -m scaffold.parsers.models`; drift-tested)

Every parse function turns bad input into an error value (`error` / `error_line` / `errors`), never an exception.
Lines are 1-based.
"""
