import { renderButton } from "@platform/button-kit";
import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { raw } from "hono/html";
import { PARTNER_NAME } from "./config";
import { log } from "./log";
import { revokeTokens, type OAuthDeps } from "./oauth";
import type { TokenStore } from "./tokens";

export type DisconnectDeps = {
  oauth: OAuthDeps;
  tokens: TokenStore;
  // The signed-in user of the partner app, from its own session; null when nobody is signed in.
  currentUser: (c: Context) => string | null;
};

// Revokes the user's grant at the identity service first, then forgets the tokens locally: a refresh token
// deleted here but not revoked would stay valid (INT-09). On failure the tokens are kept so the user can retry.
export async function disconnectUser(deps: DisconnectDeps, userId: string): Promise<void> {
  const tokens = await deps.tokens.get(userId);
  if (!tokens) return;
  await revokeTokens(deps.oauth, tokens.refreshToken);
  await deps.tokens.delete(userId);
  log.info("integration disconnected", { user: userId });
}

function Page(props: { title: string; children: unknown }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
      </head>
      <body>
        <main class="loop-page">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

// GET /disconnect shows the connection and a Disconnect button (the Loop button kit, INT-11); POST revokes.
export function disconnectRoutes(deps: DisconnectDeps): Hono {
  const app = new Hono();
  app.use("/disconnect", csrf());

  app.get("/disconnect", async (c) => {
    const userId = deps.currentUser(c);
    if (!userId) return c.html(<Page title="Sign in first"><p>Sign in to manage your Loop connection.</p></Page>, 401);
    const connected = (await deps.tokens.get(userId)) !== undefined;
    return c.html(
      <Page title={`${PARTNER_NAME} and Loop`}>
        {connected ? (
          <>
            <p>{PARTNER_NAME} can read the Loop data you allowed. Disconnecting removes that access at once.</p>
            {raw(renderButton({ variant: "danger", label: `Disconnect ${PARTNER_NAME}`, formAction: "/disconnect" }))}
          </>
        ) : (
          <p>{PARTNER_NAME} is not connected to your Loop account.</p>
        )}
      </Page>,
    );
  });

  app.post("/disconnect", async (c) => {
    const userId = deps.currentUser(c);
    if (!userId) return c.html(<Page title="Sign in first"><p>Sign in to manage your Loop connection.</p></Page>, 401);
    try {
      await disconnectUser(deps, userId);
    } catch {
      return c.html(
        <Page title="Could not disconnect">
          <p>Loop did not confirm the disconnection, so nothing was changed. Please try again.</p>
          {raw(renderButton({ variant: "danger", label: "Try again", formAction: "/disconnect" }))}
        </Page>,
        502,
      );
    }
    return c.html(
      <Page title="Disconnected">
        <p>{PARTNER_NAME} no longer has access to your Loop account.</p>
      </Page>,
    );
  });
  return app;
}
