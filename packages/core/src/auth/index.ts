/** The auth subsystem's public face: users, keys, scopes and spaces. */
import type { CoreContext } from "../context.js";
import { DEFAULT_AUTH_CONFIG, type AuthConfig } from "./config.js";
import { AuthService, type SpaceContents } from "./service.js";

export { AuthService, type Principal, type Role, type IssuedKey, type CreateKeyInput, type SpaceContents } from "./service.js";
export { DEFAULT_AUTH_CONFIG, type AuthConfig } from "./config.js";
export type { KeyGrant } from "./key-rules.js";
export { hashApiKey, canonicalKey, generateApiKey, parseScopes, hasScope, SCOPES, type Scope } from "./keys.js";
export { SpaceStore } from "./store/index.js";

export function createAuth(ctx: CoreContext, deps: { pepper: string; contents: SpaceContents; config?: AuthConfig }): AuthService {
  return new AuthService(ctx, deps.pepper, deps.contents, deps.config ?? DEFAULT_AUTH_CONFIG);
}
