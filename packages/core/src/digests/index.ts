/** Digests: what a tenant remembered over the last day, week or month, as stored summaries (contracts/services.md §16). */
import type { CoreContext } from "../context.js";
import { DigestService } from "./service.js";

export { DigestService, DIGEST_PERIODS, type Digest, type DigestPeriod } from "./service.js";

export function createDigests(ctx: CoreContext): DigestService {
  return new DigestService(ctx);
}
