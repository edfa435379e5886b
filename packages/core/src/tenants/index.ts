/** What each tenant holds (contracts/platform.md §6): /me/stats, /admin/tenants, /admin/usage. */
import type { CoreContext } from "../context.js";
import { TenantStore } from "./store.js";

export { TenantStore, type TenantCounts } from "./store.js";

export function createTenants(ctx: CoreContext): TenantStore {
  return new TenantStore(ctx.db);
}
