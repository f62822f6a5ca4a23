import { describe, expect, it } from "vitest";
import { SCOPES } from "../src";

describe.each(Object.entries(SCOPES))("scope %s", (name, scope) => {
  it("is named service:action", () => {
    expect(name).toMatch(/^[a-z][a-z0-9-]*:[a-z][a-z0-9_-]*$/);
  });

  it("has a description fit for a consent screen", () => {
    expect(scope.description).toMatch(/^[A-Z].{10,}\.$/);
  });
});
