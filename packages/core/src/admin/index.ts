/** Instance administration (contracts/platform.md §8): settings, maintenance mode, scale reports. */
import type { CoreContext } from "../context.js";
import { AdminService } from "./service.js";

export { AdminService, type MaintenanceState } from "./service.js";

export function createAdmin(ctx: CoreContext): AdminService {
  return new AdminService(ctx);
}
