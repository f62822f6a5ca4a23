import type { PGlite, Transaction } from "@electric-sql/pglite";
import { Pool, type PoolClient, type PoolConfig, type QueryResult, TypeOverrides, types } from "pg";

export interface Db {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs fn on one connection, held until fn settles: for session state such as an advisory lock. */
  withConnection<T>(fn: (connection: Db) => Promise<T>): Promise<T>;
}

type Query = Db["query"];

// Inside a transaction, a nested transaction() is a savepoint, so helpers such as handleOnce() work on c.var.tx.
function inTransaction(query: Query, depth = 0): Db {
  const tx: Db = {
    query,
    async transaction(fn) {
      const savepoint = `sp_${depth + 1}`;
      await query(`SAVEPOINT ${savepoint}`);
      try {
        const result = await fn(inTransaction(query, depth + 1));
        await query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
    },
    withConnection: (fn) => fn(tx),
  };
  return tx;
}

// Without params a query may hold several statements (a migration file): both adapters then use Postgres' simple
// query protocol and return the rows of the last statement.
function onPGlite(session: PGlite | Transaction): Query {
  return async <T>(sql: string, params?: unknown[]) => {
    if (params?.length) return session.query<T>(sql, params);
    const results = await session.exec(sql);
    return { rows: (results.at(-1)?.rows ?? []) as T[] };
  };
}

// node-postgres parses a few types unlike PGlite. These follow PGlite, so code tested on PGlite reads the same values
// from Postgres: an int8 (count(*), bigserial) is a number, a bigint only beyond 2^53, not a string; a date is UTC
// midnight, not local midnight; an interval stays text.
const pgliteTypes = new TypeOverrides();
pgliteTypes.setTypeParser(types.builtins.INT8, (text) => {
  const value = BigInt(text);
  return value < Number.MIN_SAFE_INTEGER || value > Number.MAX_SAFE_INTEGER ? value : Number(value);
});
pgliteTypes.setTypeParser(types.builtins.DATE, (text) => new Date(text));
pgliteTypes.setTypeParser(types.builtins.INTERVAL, (text) => text);

// A pool made by pgPool() carries these parsers itself, so its queries go as plain text and values: a query given as a
// config object (to carry them) is copied by node-postgres on every call, a few microseconds each.
function onPg(session: Pool | PoolClient, typed: boolean): Query {
  return async <T>(sql: string, params?: unknown[]) => {
    const values = params?.length ? params : undefined;
    // node-postgres answers a multi-statement query with one result per statement.
    const result: QueryResult | QueryResult[] = typed
      ? await session.query(sql, values)
      : await session.query({ text: sql, values, types: pgliteTypes });
    const last = Array.isArray(result) ? result.at(-1) : result;
    return { rows: (last?.rows ?? []) as T[] };
  };
}

/** A node-postgres pool whose connections read values as PGlite does: the pool to hand to fromPgPool(). */
export function pgPool(config: PoolConfig): Pool {
  return new Pool({ ...config, types: pgliteTypes });
}

export function fromPGlite(pg: PGlite): Db {
  const db: Db = {
    query: onPGlite(pg),
    transaction: (fn) => pg.transaction((tx) => fn(inTransaction(onPGlite(tx)))),
    // PGlite is a single connection already.
    withConnection: (fn) => fn(db),
  };
  return db;
}

// One pooled connection. `health.broken` marks one that could not even roll back: it is not handed out again.
function onClient(client: PoolClient, health: { broken: boolean }, typed: boolean): Db {
  const connection: Db = {
    query: onPg(client, typed),
    async transaction(fn) {
      try {
        await client.query("BEGIN");
        const result = await fn(inTransaction(onPg(client, typed)));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          health.broken = true;
        });
        throw error;
      }
    },
    withConnection: (fn) => fn(connection),
  };
  return connection;
}

// A transaction holds one pooled connection until it ends; queries outside one take any free connection. Any pool works;
// one from pgPool() saves each query a copy.
export function fromPgPool(pool: Pool): Db {
  const typed = pool.options.types === pgliteTypes;
  async function withConnection<T>(fn: (connection: Db) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    const health = { broken: false };
    try {
      return await fn(onClient(client, health, typed));
    } finally {
      client.release(health.broken);
    }
  }
  return {
    query: onPg(pool, typed),
    transaction: (fn) => withConnection((connection) => connection.transaction(fn)),
    withConnection,
  };
}
