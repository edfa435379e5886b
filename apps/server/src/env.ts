import type { Engram, Principal, Scope } from "@engram/core";

/** Per-request values the middleware chain hands to route handlers. */
export interface AppEnv {
  Variables: {
    principal: Principal;
    /** Memory (or key, user, space) ids a mutation touched, for the audit log. */
    auditTargets: number[];
    requiredScope: Scope;
  };
}

export interface ServerDeps {
  engram: Engram;
  bootstrapSecret: string | undefined;
  openAccess: boolean;
}
