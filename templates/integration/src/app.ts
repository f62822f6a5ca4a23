import { Hono } from "hono";
import { getSignedCookie, setSignedCookie, deleteCookie } from "hono/cookie";
import { REDIRECT_URIS, type Stage } from "./config";
import { disconnectRoutes, type DisconnectDeps } from "./disconnect";
import { log } from "./log";
import { exchangeCode, OAuthError } from "./oauth";
import { authorizationUrl, createPkcePair, createState } from "./pkce";
import { webhookRoutes, type WebhookDelivery } from "./webhooks";

export type IntegrationDeps = DisconnectDeps & {
  stage: Stage;
  cookieSecret: string;
  webhookSecret: string;
  onEvent: (delivery: WebhookDelivery) => Promise<void>;
};

const FLOW_COOKIE = "loop_oauth";

// The partner app's Loop routes: connect (authorization code + PKCE), the OAuth callback, webhooks, disconnect.
export function createIntegrationApp(deps: IntegrationDeps): Hono {
  const app = new Hono();
  const redirectUri = REDIRECT_URIS[deps.stage][0] ?? "";

  app.get("/oauth/start", async (c) => {
    if (!deps.currentUser(c)) return c.text("Sign in first.", 401);
    const pkce = createPkcePair();
    const state = createState();
    // The verifier never leaves this app: it travels in a signed, http-only cookie to the callback.
    await setSignedCookie(c, FLOW_COOKIE, `${state}.${pkce.verifier}`, deps.cookieSecret, {
      httpOnly: true,
      secure: deps.stage !== "dev",
      sameSite: "Lax",
      maxAge: 600,
      path: "/oauth",
    });
    return c.redirect(authorizationUrl(deps.stage, pkce, state, redirectUri).toString());
  });

  app.get("/oauth/callback", async (c) => {
    const userId = deps.currentUser(c);
    const flow = await getSignedCookie(c, deps.cookieSecret, FLOW_COOKIE);
    deleteCookie(c, FLOW_COOKIE, { path: "/oauth" });
    const [state, verifier] = typeof flow === "string" ? flow.split(".") : [];
    const code = c.req.query("code");
    if (!userId || !state || !verifier || c.req.query("state") !== state || !code) {
      return c.text("This sign-in link is invalid or expired; start again.", 400);
    }
    try {
      await deps.tokens.save(userId, await exchangeCode(deps.oauth, { code, verifier, redirectUri }));
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      log.warn("authorization code refused", { error: error.error });
      return c.text("Loop refused the connection; start again.", 400);
    }
    return c.redirect("/disconnect");
  });

  app.route("/", webhookRoutes({ secret: deps.webhookSecret, onEvent: deps.onEvent }));
  app.route("/", disconnectRoutes(deps));
  return app;
}
