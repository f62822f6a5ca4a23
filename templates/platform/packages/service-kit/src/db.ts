import type { PGlite, Transaction } from "@electric-sql/pglite";

export interface Db {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

type Session = Pick<PGlite | Transaction, "query" | "exec">;

// Without params a query may hold several statements (a migration file), as with node-postgres' simple protocol.
async function run<T>(session: Session, sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
  if (params?.length) return session.query<T>(sql, params);
  const results = await session.exec(sql);
  return { rows: (results.at(-1)?.rows ?? []) as T[] };
}

// Inside a transaction, a nested transaction() is a savepoint, so helpers such as handleOnce() work on c.var.tx.
function inTransaction(tx: Transaction, depth = 0): Db {
  return {
    query: (sql, params) => run(tx, sql, params),
    async transaction(fn) {
      const savepoint = `sp_${depth + 1}`;
      await tx.exec(`SAVEPOINT ${savepoint}`);
      try {
        const result = await fn(inTransaction(tx, depth + 1));
        await tx.exec(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await tx.exec(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
    },
  };
}

export function fromPGlite(pg: PGlite): Db {
  return {
    query: (sql, params) => run(pg, sql, params),
    transaction: (fn) => pg.transaction((tx) => fn(inTransaction(tx))),
  };
}
