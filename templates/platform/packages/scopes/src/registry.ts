export type ScopeDefinition = { description: string; returnsPhi: boolean };
// Every OAuth scope, `service:action`. SVC-AUTH-02: new scopes are added here; returnsPhi brings the BAA gate.
export const SCOPES = {
  "jobs:run": { description: "Trigger scheduled jobs through admin endpoints.", returnsPhi: false },
} as const satisfies Record<string, ScopeDefinition>;
export type Scope = keyof typeof SCOPES;
