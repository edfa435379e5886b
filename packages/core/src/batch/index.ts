/** POST /batch: stores, updates and links in one transaction (contracts/platform.md §7). */
import type { CoreContext } from "../context.js";
import type { MemoryEvents } from "../events/index.js";
import type { MemoryService } from "../memory/index.js";
import { BatchService } from "./service.js";

export { BatchService, BatchOpFailed, type BatchResult, type BatchOpResult } from "./service.js";
export { BATCH_OPS, BATCH_BODY_SCHEMAS, MAX_BATCH_OPS, type BatchOp, type BatchOpName } from "./schemas.js";

export function createBatch(ctx: CoreContext, deps: { memories: MemoryService; events: MemoryEvents }): BatchService {
  return new BatchService(ctx, deps.memories, deps.events);
}
