/** The intelligence subsystem's public face: what Engram derives from what it stores. */
import type { CoreContext } from "../context.js";
import type { JobQueue } from "../jobs/index.js";
import { GuardService } from "./guard.js";
import { PostStoreSteps, registerPostStoreJob } from "./post-store.js";

export { GuardService, type GuardVerdict, type GuardRule, type GuardSignal } from "./guard.js";
export { PostStoreSteps, type PostStoreStep } from "./post-store.js";
export * from "./ingest/index.js";

export function createGuard(ctx: CoreContext): GuardService {
  return new GuardService(ctx);
}

/** The post-store steps with their job registered; each part of the group adds its step at assembly. */
export function createPostStore(jobs: JobQueue): PostStoreSteps {
  const steps = new PostStoreSteps();
  registerPostStoreJob(jobs, steps);
  return steps;
}
