import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

// Starts traces, metrics and logs with service.name set (SVC-OBS-01/02). Exporters follow the standard OTEL_*
// variables; tests set OTEL_SDK_DISABLED=true or OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none.
export function startTelemetry(opts: { serviceName: string; stage: string }): NodeSDK {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      "deployment.environment": opts.stage,
    }),
  });
  sdk.start();
  return sdk;
}
