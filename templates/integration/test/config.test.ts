import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLIENT_ID, REDIRECT_URIS, SCOPES, WEBHOOK_EVENTS } from "../src/config";

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
