export { SCOPES, type Scope, type ScopeDefinition } from "./registry";
