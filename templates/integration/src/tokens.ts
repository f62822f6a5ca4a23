import { refreshAccessToken, type OAuthDeps, type TokenSet } from "./oauth";

// Where the integration keeps each user's tokens; back it with your encrypted database.
export interface TokenStore {
  get(userId: string): Promise<TokenSet | undefined>;
  save(userId: string, tokens: TokenSet): Promise<void>;
  delete(userId: string): Promise<void>;
}

export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, TokenSet>();

  async get(userId: string): Promise<TokenSet | undefined> {
    return this.tokens.get(userId);
  }

  async save(userId: string, tokens: TokenSet): Promise<void> {
    this.tokens.set(userId, tokens);
  }

  async delete(userId: string): Promise<void> {
    this.tokens.delete(userId);
  }
}

// Refresh a minute early so a token never expires between this check and the request.
const EXPIRY_MARGIN_MS = 60_000;

// The user's access token, refreshed first when it is about to expire; undefined when the user is not connected.
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
  const refreshed = await refreshAccessToken(deps, tokens.refreshToken);
  await store.save(userId, refreshed);
  return refreshed.accessToken;
}
