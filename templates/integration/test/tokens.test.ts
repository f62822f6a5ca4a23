import { describe, expect, it } from "vitest";
import { seal, tokenKeyFrom, unseal } from "../src/seal";
import { PostgresTokenStore } from "../src/tokens";
import { TOKEN_KEY, useTestDb } from "./db";

const db = useTestDb();
const tokens = { accessToken: "at-plain-access", refreshToken: "rt-plain-refresh", expiresAt: 1_700_000_000_000, scopes: ["billing:read"] };

describe("tokens at rest", () => {
  it("are stored sealed with AES-256-GCM and read back whole", async () => {
    const store = new PostgresTokenStore(db, TOKEN_KEY);
    await store.save("user-1", tokens);
    const { rows } = await db.query<{ sealed: string }>("SELECT sealed FROM integration_tokens");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.sealed).not.toContain("plain");
    expect(Buffer.from(rows[0]?.sealed.split(".")[3] ?? "", "base64url").toString()).not.toContain("plain");
    expect(await store.get("user-1")).toEqual(tokens);
  });

  it("do not open under another key, or on another user's row", async () => {
    await new PostgresTokenStore(db, TOKEN_KEY).save("user-1", tokens);
    await expect(new PostgresTokenStore(db, Buffer.alloc(32, 8)).get("user-1")).rejects.toThrow();
    await db.query("INSERT INTO integration_tokens (user_id, sealed) SELECT 'user-2', sealed FROM integration_tokens WHERE user_id = 'user-1'");
    await expect(new PostgresTokenStore(db, TOKEN_KEY).get("user-2")).rejects.toThrow();
  });

  it("seals the same value differently each time (a fresh nonce)", () => {
    expect(seal(TOKEN_KEY, "x", "u")).not.toBe(seal(TOKEN_KEY, "x", "u"));
    const sealed = seal(TOKEN_KEY, "x", "u");
    expect(unseal(TOKEN_KEY, sealed, "u")).toBe("x");
    // One bit of the ciphertext flipped (not a character of its base64: a last character's low bits decode to
    // nothing, so swapping it left the value intact about one run in 256): GCM's tag must catch it.
    const parts = sealed.split(".");
    const ciphertext = Buffer.from(parts[3] ?? "", "base64url");
    ciphertext.writeUInt8(ciphertext.readUInt8(0) ^ 0x01, 0);
    const tampered = [...parts.slice(0, 3), ciphertext.toString("base64url")].join(".");
    expect(() => unseal(TOKEN_KEY, tampered, "u")).toThrow();
  });

  it("need a 32-byte key from the environment, never a default", () => {
    expect(() => tokenKeyFrom({})).toThrow("INTEGRATION_TOKEN_KEY");
    expect(() => tokenKeyFrom({ INTEGRATION_TOKEN_KEY: Buffer.alloc(16).toString("base64") })).toThrow("32 random bytes");
    expect(tokenKeyFrom({ INTEGRATION_TOKEN_KEY: TOKEN_KEY.toString("base64") })).toEqual(TOKEN_KEY);
  });
});
