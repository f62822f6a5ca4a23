import type { AuthClaims } from "./auth";
import type { Db } from "./db";

export type AppEnv = {
  Variables: { auth: AuthClaims; tx: Db; audit_event_type?: string; audit_resource_id?: string };
};
