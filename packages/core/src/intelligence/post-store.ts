import { z } from "zod";
import type { JobQueue } from "../jobs/index.js";
import { POST_STORE_JOB } from "../memory/index.js";

const payload = z.object({ memoryId: z.number().int().positive() });

/**
 * One piece of the work that follows a memory's store (facts, contradictions, personality
 * signals, decomposition...). A failed job is retried as a whole, so every step must be
 * idempotent: running it twice for one memory leaves what running it once did.
 */
export type PostStoreStep = (userId: number, memoryId: number) => unknown;

/**
 * The intelligence group's post-store steps, run in the order they were added by one durable
 * job per memory, so a store answers without waiting for them and a crash loses none of them.
 */
export class PostStoreSteps {
  private readonly steps = new Map<string, PostStoreStep>();

  add(name: string, step: PostStoreStep): void {
    if (this.steps.has(name)) throw new Error(`post-store step ${name} is already added`);
    this.steps.set(name, step);
  }

  /** Runs every step; the job's result names what each returned. */
  async run(userId: number, memoryId: number): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const [name, step] of this.steps) results[name] = (await step(userId, memoryId)) ?? null;
    return results;
  }
}

export function registerPostStoreJob(jobs: JobQueue, steps: PostStoreSteps): void {
  jobs.register(POST_STORE_JOB, (job) => {
    if (job.userId == null) throw new Error(`${POST_STORE_JOB} needs the memory's user`);
    return steps.run(job.userId, payload.parse(job.payload).memoryId);
  });
}
