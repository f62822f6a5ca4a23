import type { Db } from "@platform/service-kit";
import { Hono } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { REDIRECT_URIS, type Stage } from "./config";
import { disconnectRoutes, type DisconnectDeps } from "./disconnect";
import { log } from "./log";
import { exchangeCode, OAuthError } from "./oauth";
import { beginFlow, FLOW_TTL_MS, finishFlow } from "./oauth-flow";
import { authorizationUrl } from "./pkce";
import { webhookRoutes, type WebhookDelivery } from "./webhooks";

export type IntegrationDeps = DisconnectDeps & {
  stage: Stage;
  db: Db;
  // Seals the PKCE verifier at rest, like the tokens (tokenKeyFrom() in src/seal.ts).
  tokenKey: Buffer;
  cookieSecret: string;
  webhookSecret: string;
  // Runs in the transaction that records the delivery id: its writes and the de-duplication commit together.
  onEvent: (delivery: WebhookDelivery, tx: Db) => Promise<void>;
  now?: () => number;
};

const FLOW_COOKIE = "loop_oauth";

// The partner app's Loop routes: connect (authorization code + PKCE), the OAuth callback, webhooks, disconnect.
export function createIntegrationApp(deps: IntegrationDeps): Hono {
  const app = new Hono();
  const redirectUri = REDIRECT_URIS[deps.stage][0] ?? "";
  const flowDeps = { db: deps.db, key: deps.tokenKey, now: deps.now };

  app.get("/oauth/start", async (c) => {
    const userId = deps.currentUser(c);
    if (!userId) return c.text("Sign in first.", 401);
    const { flowId, state, pkce } = await beginFlow(flowDeps, userId);
    // The state and verifier stay in the database; the browser only carries which flow is its own.
    await setSignedCookie(c, FLOW_COOKIE, flowId, deps.cookieSecret, {
      httpOnly: true,
      secure: deps.stage !== "dev",
      sameSite: "Lax",
      maxAge: FLOW_TTL_MS / 1000,
      path: "/oauth",
    });
    return c.redirect(authorizationUrl(deps.stage, pkce, state, redirectUri).toString());
  });

  app.get("/oauth/callback", async (c) => {
    const userId = deps.currentUser(c);
    const flowId = await getSignedCookie(c, deps.cookieSecret, FLOW_COOKIE);
    deleteCookie(c, FLOW_COOKIE, { path: "/oauth" });
    const state = c.req.query("state");
    const code = c.req.query("code");
    const verifier = userId && typeof flowId === "string" && state ? await finishFlow(flowDeps, flowId, userId, state) : null;
    if (!userId || !verifier || !code) return c.text("This sign-in link is invalid or expired; start again.", 400);
    try {
      await deps.tokens.save(userId, await exchangeCode(deps.oauth, { code, verifier, redirectUri }));
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      log.warn("authorization code refused", { error: error.error });
      return c.text("Loop refused the connection; start again.", 400);
    }
    return c.redirect("/disconnect");
  });

  app.route("/", webhookRoutes({ secret: deps.webhookSecret, db: deps.db, onEvent: deps.onEvent, now: deps.now }));
  app.route("/", disconnectRoutes(deps));
  return app;
}
