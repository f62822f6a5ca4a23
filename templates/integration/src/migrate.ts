import { fileURLToPath } from "node:url";
import { type Db, runMigrations } from "@platform/service-kit";

// The integration's own tables (migrations/): sign-ins in progress, sealed tokens, webhook deliveries seen. Run
// it at start-up, before serving.
export function migrate(db: Db): Promise<string[]> {
  return runMigrations(db, fileURLToPath(new URL("../migrations", import.meta.url)));
}
