/** Data portability (contracts/platform.md §3): a tenant's export, and imports of Engram bundles and other tools' exports. */
import type { CoreContext } from "../context.js";
import { PortabilityService, type PortabilityDeps } from "./service.js";

export { PortabilityService, type ExportOptions, type ExportRecord, type ImportResult } from "./service.js";
export { EXPORT_VERSION, MAX_JSON_MEMORIES, type ImportFormat, type ImportRoute } from "./bundle.js";

export function createPortability(ctx: CoreContext, deps: PortabilityDeps): PortabilityService {
  return new PortabilityService(ctx, deps);
}
