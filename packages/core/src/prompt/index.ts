/** Prompt material from a tenant's memories: the task header (POST /header) and packed memories (GET /prompt). */
import type { CoreContext } from "../context.js";
import type { SearchService } from "../search/index.js";
import { PromptService } from "./service.js";

export { PromptService, type HeaderRequest, type PackRequest, type PromptResult } from "./service.js";
export { type TaskHeader, type PriorWork } from "./header.js";
export { PROMPT_FORMATS, packTokens, type PromptFormat, type Packed, type PackCandidate } from "./pack.js";

export function createPrompt(ctx: CoreContext, deps: { search: SearchService }): PromptService {
  return new PromptService(ctx, deps.search);
}
