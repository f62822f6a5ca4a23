type Fields = Record<string, unknown>;

// Keys whose values never reach a log line: credentials, and the PHI a platform response may carry (INT-08).
const SENSITIVE_KEY =
  /token|secret|authorization|password|api_?key|cookie|credential|code_verifier|email|phone|dob|birth|ssn|diagnos|medication|prescription|address|first_?name|last_?name|full_?name|patient/i;
const BEARER = /\b(Bearer|Basic)\s+[\w\-.~+/]+=*/gi;
export const REDACTED = "[redacted]";

// A copy of `value` with sensitive keys replaced and bearer credentials masked inside strings.
export function redact(value: unknown): unknown {
  if (typeof value === "string") return value.replace(BEARER, `$1 ${REDACTED}`);
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, SENSITIVE_KEY.test(key) ? REDACTED : redact(inner)]),
    );
  }
  return value;
}

function write(level: "info" | "warn" | "error", message: string, fields: Fields = {}): void {
  const line = { level, time: new Date().toISOString(), message: redact(message), ...(redact(fields) as Fields) };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const log = {
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
