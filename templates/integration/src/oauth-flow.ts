import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "@platform/service-kit";
import { createPkcePair, createState, type PkcePair } from "./pkce";
import { seal, unseal } from "./seal";

// How long a user has between starting to connect and coming back from the consent screen.
export const FLOW_TTL_MS = 10 * 60_000;

export type FlowDeps = { db: Db; key: Buffer; now?: () => number };

// Starts a sign-in for `userId`: the `state` and PKCE verifier are kept server-side under a random flow id (what
// the browser's cookie holds), and expired flows are swept so the table stays small.
export async function beginFlow(deps: FlowDeps, userId: string): Promise<{ flowId: string; state: string; pkce: PkcePair }> {
  const now = (deps.now ?? Date.now)();
  const flowId = randomBytes(16).toString("base64url");
  const state = createState();
  const pkce = createPkcePair();
  await deps.db.query("DELETE FROM integration_oauth_flows WHERE expires_at < $1", [new Date(now)]);
  await deps.db.query(
    "INSERT INTO integration_oauth_flows (flow_id, user_id, state, sealed_verifier, expires_at) VALUES ($1, $2, $3, $4, $5)",
    [flowId, userId, state, seal(deps.key, pkce.verifier, flowId), new Date(now + FLOW_TTL_MS)],
  );
  return { flowId, state, pkce };
}

// Equal-length digests, so timingSafeEqual never throws and the time taken says nothing about the stored state.
function sameSecret(presented: string, stored: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(stored));
}

// Ends the flow the callback names: the flow is deleted whatever the outcome (a state is good for one try), and
// its verifier is returned only to the user who started it, with the state it was given, before it expired.
export async function finishFlow(deps: FlowDeps, flowId: string, userId: string, state: string): Promise<string | null> {
  const { rows } = await deps.db.query<{ user_id: string; state: string; sealed_verifier: string; expires_at: Date }>(
    "DELETE FROM integration_oauth_flows WHERE flow_id = $1 RETURNING user_id, state, sealed_verifier, expires_at",
    [flowId],
  );
  const flow = rows[0];
  if (!flow || new Date(flow.expires_at).getTime() <= (deps.now ?? Date.now)()) return null;
  if (!sameSecret(state, flow.state) || flow.user_id !== userId) return null;
  return unseal(deps.key, flow.sealed_verifier, flowId);
}
