/** The intelligence subsystem's public face: checks of what agents ask to do against the user's rules. */
import type { CoreContext } from "../context.js";
import { GuardService } from "./guard.js";

export { GuardService, type GuardVerdict, type GuardRule, type GuardSignal } from "./guard.js";

export function createGuard(ctx: CoreContext): GuardService {
  return new GuardService(ctx);
}
