import { trace } from "@opentelemetry/api";
import { afterEach, expect, it, vi } from "vitest";
import { log, startTelemetry } from "../src";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

it("tags spans with service.name and stage, and logs with their trace id", async () => {
  // A tracer provider is only registered when some exporter is configured; the span below is never ended, so the
  // console exporter prints nothing.
  vi.stubEnv("OTEL_TRACES_EXPORTER", "console");
  vi.stubEnv("OTEL_METRICS_EXPORTER", "none");
  vi.stubEnv("OTEL_LOGS_EXPORTER", "none");
  const sdk = startTelemetry({ serviceName: "widgets", stage: "test" });
  const stdout = vi.spyOn(process.stdout, "write").mockReturnValue(true);

  trace.getTracer("test").startActiveSpan("request", (span) => {
    // The SDK's spans expose their resource; the API's Span type does not.
    const { resource } = span as unknown as { resource: { attributes: Record<string, unknown> } };
    expect(resource.attributes).toMatchObject({
      "service.name": "widgets",
      "deployment.environment": "test",
    });
    log.info("handled", { route: "/widgets" });
    expect(JSON.parse(String(stdout.mock.calls[0]?.[0]))).toMatchObject({
      level: "info",
      message: "handled",
      route: "/widgets",
      trace_id: span.spanContext().traceId,
    });
  });
  await sdk.shutdown();
});
