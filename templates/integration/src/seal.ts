import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

// The environment variable holding the key that seals tokens at rest: 32 random bytes, base64, kept in the
// platform's secrets (`sst secret set <Name>TokenKey "$(openssl rand -base64 32)"`), never in the code.
export const TOKEN_KEY_ENV = "INTEGRATION_TOKEN_KEY";

export function tokenKeyFrom(env: Record<string, string | undefined> = process.env): Buffer {
  const key = Buffer.from(env[TOKEN_KEY_ENV] ?? "", "base64");
  if (key.length !== 32) throw new Error(`${TOKEN_KEY_ENV} must be 32 random bytes, base64-encoded`);
  return key;
}

// AES-256-GCM with a fresh 96-bit nonce per value. `context` (the row's owner) is authenticated with it, so a
// sealed value copied onto another user's row does not open.
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url"))].join(".");
}

// Throws when the value was tampered with, sealed under another key or for another context.
export function unseal(key: Buffer, sealed: string, context: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== "v1" || iv === undefined || tag === undefined || ciphertext === undefined) throw new Error("not a sealed value");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"))
    .setAAD(Buffer.from(context))
    .setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}
