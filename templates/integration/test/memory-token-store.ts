import type { TokenSet } from "../src/oauth";
import type { TokenStore } from "../src/tokens";

// A TokenStore for tests whose subject is not storage (PostgresTokenStore has its own): updates run one at a time.
export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, TokenSet>();
  private queue: Promise<unknown> = Promise.resolve();

  async get(userId: string): Promise<TokenSet | undefined> {
    return this.tokens.get(userId);
  }

  async save(userId: string, tokens: TokenSet): Promise<void> {
    this.tokens.set(userId, tokens);
  }

  async delete(userId: string): Promise<void> {
    this.tokens.delete(userId);
  }

  update(userId: string, change: (current: TokenSet | undefined) => Promise<TokenSet | undefined>): Promise<TokenSet | undefined> {
    const run = this.queue.then(async () => {
      const next = await change(this.tokens.get(userId));
      if (next) this.tokens.set(userId, next);
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
