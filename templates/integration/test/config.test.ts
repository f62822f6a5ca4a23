import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { apiUrl, CLIENT_ID, isPlatformOrigin, platformUrl, REDIRECT_URIS, SCOPES, WEBHOOK_EVENTS } from "../src/config";

describe("config", () => {
  it("says what integration.yaml (the developer portal registration) says", () => {
    const manifest = parse(readFileSync(new URL("../integration.yaml", import.meta.url), "utf8"));
    expect({ client_id: CLIENT_ID, scopes: SCOPES, redirect_uris: REDIRECT_URIS, webhook_events: WEBHOOK_EVENTS }).toEqual({
      client_id: manifest.client_id,
      scopes: manifest.scopes,
      redirect_uris: manifest.redirect_uris,
      webhook_events: manifest.webhook_events,
    });
  });
});

describe("platform URLs", () => {
  it("are built only from a kebab-case service name and an absolute path on its origin", () => {
    expect(platformUrl("billing-ledger", "/items/1?x=//y", "prod").href).toBe("https://billing-ledger.platform.loop.health/items/1?x=//y");
    expect(apiUrl("billing", "staging")).toBe("https://billing.staging.platform.loop.health");
    for (const service of ["evil.example/", "evil.example", "a@b", "b:1", "B", "-b", "b-", "", "b/../c"]) {
      expect(() => apiUrl(service, "prod"), service).toThrow("not a platform service name");
    }
    for (const path of ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x", "\\evil.example", "x", ""]) {
      expect(() => platformUrl("billing", path, "prod"), path).toThrow();
    }
  });

  it("recognise the platform's own API origins and nothing else", () => {
    expect(isPlatformOrigin(new URL("https://billing.dev.platform.loop.health/x"), "dev")).toBe(true);
    for (const url of [
      "https://evil.example/x",
      "http://billing.dev.platform.loop.health/x",
      "https://billing.dev.platform.loop.health:8443/x",
      "https://billing.prod.platform.loop.health/x",
      "https://billing.dev.platform.loop.health.evil.example/x",
      "https://a.b.dev.platform.loop.health/x",
    ]) {
      expect(isPlatformOrigin(new URL(url), "dev"), url).toBe(false);
    }
  });
});
