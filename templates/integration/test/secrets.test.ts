import { createHash } from "node:crypto";
import * as crypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { beginFlow, finishFlow } from "../src/oauth-flow";
import { createPkcePair, createState } from "../src/pkce";
import { signDelivery, verifySignature } from "../src/webhooks";
import { TOKEN_KEY, useTestDb } from "./db";

// The real functions, watched: these tests fail when a secret is compared with `===` or drawn from Math.random.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, randomBytes: vi.fn(actual.randomBytes), timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const db = useTestDb();
const digest = (value: string) => createHash("sha256").update(value).digest();

afterEach(() => vi.clearAllMocks());

describe("secrets", () => {
  it("draws the PKCE verifier and the state from crypto.randomBytes, never Math.random", () => {
    const random = vi.spyOn(Math, "random");
    const pair = createPkcePair();
    const state = createState();
    const drawn = vi.mocked(crypto.randomBytes).mock.results.map((result) => (result.value as Buffer).toString("base64url"));
    expect(drawn).toContain(pair.verifier);
    expect(drawn).toContain(state);
    expect(Buffer.from(pair.verifier, "base64url").length).toBeGreaterThanOrEqual(32);
    expect(random).not.toHaveBeenCalled();
    random.mockRestore();
  });

  it("compares the returned state with timingSafeEqual on equal-length digests", async () => {
    const deps = { db, key: TOKEN_KEY };
    const { flowId, state } = await beginFlow(deps, "user-1");
    vi.mocked(crypto.timingSafeEqual).mockClear();
    expect(await finishFlow(deps, flowId, "user-1", "forged")).toBeNull();
    expect(vi.mocked(crypto.timingSafeEqual).mock.calls).toEqual([[digest("forged"), digest(state)]]);
  });

  it("compares webhook signatures with timingSafeEqual", () => {
    const now = Date.UTC(2025, 0, 15, 9, 30);
    const header = signDelivery("whsec", "{}", Math.floor(now / 1000));
    expect(verifySignature("whsec", header, "{}", now)).toEqual({ ok: true });
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(1);
  });
});
