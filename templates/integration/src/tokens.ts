import type { Db } from "@platform/service-kit";
import { refreshAccessToken, type OAuthDeps, type TokenSet } from "./oauth";
import { seal, unseal } from "./seal";

// Where the integration keeps each user's tokens. `update` runs with the user's tokens locked: a second caller
// waits, then sees what the first one wrote.
export interface TokenStore {
  get(userId: string): Promise<TokenSet | undefined>;
  save(userId: string, tokens: TokenSet): Promise<void>;
  delete(userId: string): Promise<void>;
  update(userId: string, change: (current: TokenSet | undefined) => Promise<TokenSet | undefined>): Promise<TokenSet | undefined>;
}

// Tokens in Postgres, sealed with AES-256-GCM (src/seal.ts) under a key from the platform's secrets.
export class PostgresTokenStore implements TokenStore {
  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
  ) {}

  async get(userId: string): Promise<TokenSet | undefined> {
    return this.read(this.db, userId, "");
  }

  async save(userId: string, tokens: TokenSet): Promise<void> {
    await this.write(this.db, userId, tokens);
  }

  async delete(userId: string): Promise<void> {
    await this.db.query("DELETE FROM integration_tokens WHERE user_id = $1", [userId]);
  }

  update(userId: string, change: (current: TokenSet | undefined) => Promise<TokenSet | undefined>): Promise<TokenSet | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await this.read(tx, userId, "FOR UPDATE");
      const next = await change(current);
      if (next && next !== current) await this.write(tx, userId, next);
      return next;
    });
  }

  private async read(db: Db, userId: string, lock: "" | "FOR UPDATE"): Promise<TokenSet | undefined> {
    const { rows } = await db.query<{ sealed: string }>(`SELECT sealed FROM integration_tokens WHERE user_id = $1 ${lock}`, [userId]);
    const row = rows[0];
    return row ? (JSON.parse(unseal(this.key, row.sealed, userId)) as TokenSet) : undefined;
  }

  private async write(db: Db, userId: string, tokens: TokenSet): Promise<void> {
    await db.query(
      `INSERT INTO integration_tokens (user_id, sealed) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()`,
      [userId, seal(this.key, JSON.stringify(tokens), userId)],
    );
  }
}

// Refresh a minute early so a token never expires between this check and the request.
const EXPIRY_MARGIN_MS = 60_000;

// The user's access token, refreshed first when it is about to expire (or `force`d after a 401); undefined when
// the user is not connected. Refresh tokens rotate, so two callers must not both spend the same one: the refresh
// happens under the store's lock, and a caller that finds the token already replaced uses the new one.
export async function currentAccessToken(
  deps: OAuthDeps,
  store: TokenStore,
  userId: string,
  options: { force?: boolean } = {},
): Promise<string | undefined> {
  const tokens = await store.get(userId);
  if (!tokens) return undefined;
  const now = (deps.now ?? Date.now)();
  if (!options.force && tokens.expiresAt - EXPIRY_MARGIN_MS > now) return tokens.accessToken;
  const updated = await store.update(userId, async (current) => {
    if (!current || current.accessToken !== tokens.accessToken) return current;
    return refreshAccessToken(deps, current.refreshToken);
  });
  return updated?.accessToken;
}
