import { trace } from "@opentelemetry/api";

type Fields = Record<string, unknown>;

// One JSON object per line on stdout, carrying the active trace and span ids so logs join their traces.
function write(level: "info" | "warn" | "error", message: string, fields: Fields = {}): void {
  const span = trace.getActiveSpan()?.spanContext();
  const trace_ids = span ? { trace_id: span.traceId, span_id: span.spanId } : {};
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields, ...trace_ids })}\n`);
}

export const log = {
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};

// Keeps only allow-listed fields, so a record that may hold PHI can be logged safely (SVC-CODE-08).
export function safeView<T extends object>(value: T, allow: readonly (keyof T)[]): Partial<T> {
  const view: Partial<T> = {};
  for (const key of allow) {
    if (key in value) view[key] = value[key];
  }
  return view;
}
