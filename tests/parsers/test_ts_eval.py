"""The partial evaluator: what it works out, and where it stops (with a reason, never a guess)."""

from __future__ import annotations

from scaffold.parsers import ts_eval
from scaffold.parsers.typescript import parse_typescript


def _run(source: str, **bindings: object) -> ts_eval.Run:
    return ts_eval.run(parse_typescript(source), {k.replace("_", "."): v for k, v in bindings.items()})


def test_constants_templates_and_functions_with_literal_arguments() -> None:
    run = _run(
        """
        const DOMAIN = "platform.loop.health";
        function hostFor(stage: string) {
          return stage === "prod" ? `billing.${DOMAIN}` : `billing.${stage}.${DOMAIN}`;
        }
        const host = hostFor($app.stage);
        const port = 3000;
        const url = "https://" + host + ":" + port;
        """,
        **{"$app_stage": "dev"},
    )
    assert run.lookup("host") == "billing.dev.platform.loop.health"
    assert run.lookup("url") == "https://billing.dev.platform.loop.health:3000"


def test_helpers_and_loops_build_constructions_reported_at_their_call() -> None:
    run = _run(
        """
        const base = { period: 60 };
        function alarm(slug: string, spec: Record<string, unknown>) {
          return new aws.cloudwatch.MetricAlarm(`A-${slug}`, { ...base, ...spec, name: `svc-${slug}` });
        }
        alarm("one", { threshold: 1 });
        for (const slug of ["two", "three"]) alarm(slug, {});
        ["four"].map((slug) => alarm(slug, { period: 300 }));
        """
    )
    built = [(c.first_string(), c.option("name"), c.option("period"), c.line) for c in run.constructed]
    assert built == [
        ("A-one", "svc-one", 60, 6),
        ("A-two", "svc-two", 60, 7),
        ("A-three", "svc-three", 60, 7),
        ("A-four", "svc-four", 300, 8),
    ]
    assert run.unreached == []


def test_object_bound_constructions_resolve_through_their_keys() -> None:
    run = _run(
        """
        const secrets = { dsn: new sst.Secret("Dsn"), token: new sst.Secret("Token") };
        const topic = new aws.sns.Topic("T");
        const routeTo = { critical: topic.arn };
        """
    )
    dsn = run.lookup("secrets.dsn.value")
    assert isinstance(dsn, ts_eval.Ref) and dsn.target.first_string() == "Dsn"
    route = run.lookup("routeTo.critical")
    assert isinstance(route, ts_eval.Ref) and str(route) == "topic.arn"


def test_where_it_stops_it_says_why() -> None:
    run = _run(
        """
        const specs = JSON.parse(readFileSync("alarms.json", "utf8"));
        for (const spec of specs) new aws.cloudwatch.MetricAlarm(spec.id, spec);
        function neverCalled() { return new sst.Secret("Orphan"); }
        const host = process.env.HOST + ".example";
        """
    )
    assert run.constructed == []
    reasons = [why for _, why in run.unreached]
    assert "JSON.parse" in reasons[0]
    assert "`neverCalled`" in reasons[1]
    host = run.lookup("host")
    assert isinstance(host, ts_eval.Unknown) and "process" in host.reason


def test_runaway_recursion_is_cut_off() -> None:
    run = _run("function f(n: number): number { return f(n + 1); }\nconst x = f(0);")
    assert isinstance(run.lookup("x"), ts_eval.Unknown)
