/**
 * The tasks POST /intelligence/run runs for a tenant, as a registry: each part of the group adds
 * its task at assembly (createEngram), naming the tasks it must run after. A dependency must be
 * added first, so the order of addition is a dependency order and no task can name one that
 * does not exist.
 */

export type IntelligenceTask = (userId: number) => unknown;

export interface TaskReport {
  name: string;
  status: "ok" | "failed" | "skipped";
  duration_ms: number;
  output?: unknown;
  error?: string;
}

export interface PipelineReport {
  reports: TaskReport[];
  total_duration_ms: number;
  ok_count: number;
  failed_count: number;
  skipped_count: number;
}

const ms = (start: number) => Math.round((performance.now() - start) * 10) / 10;

export class IntelligenceTasks {
  private readonly tasks = new Map<string, { run: IntelligenceTask; after: readonly string[] }>();

  add(name: string, run: IntelligenceTask, opts: { after?: readonly string[] } = {}): void {
    if (this.tasks.has(name)) throw new Error(`intelligence task ${name} is already added`);
    const after = opts.after ?? [];
    for (const dep of after) if (!this.tasks.has(dep)) throw new Error(`intelligence task ${name} runs after ${dep}, which is not added (add it first)`);
    this.tasks.set(name, { run, after });
  }

  names(): string[] {
    return [...this.tasks.keys()];
  }

  /**
   * Runs every task for the user in order. A task that throws is reported failed and the tasks
   * after it that depend on it (directly or through a skipped one) are skipped; the others run.
   */
  async run(userId: number): Promise<PipelineReport> {
    const start = performance.now();
    const notOk = new Set<string>();
    const reports: TaskReport[] = [];
    for (const [name, task] of this.tasks) {
      const blocked = task.after.find((d) => notOk.has(d));
      if (blocked !== undefined) {
        notOk.add(name);
        reports.push({ name, status: "skipped", duration_ms: 0, error: `skipped: ${blocked} did not succeed` });
        continue;
      }
      const t = performance.now();
      try {
        const output = (await task.run(userId)) ?? null;
        reports.push({ name, status: "ok", duration_ms: ms(t), output });
      } catch (err) {
        notOk.add(name);
        reports.push({ name, status: "failed", duration_ms: ms(t), error: err instanceof Error ? err.message : String(err) });
      }
    }
    const count = (s: TaskReport["status"]) => reports.filter((r) => r.status === s).length;
    return { reports, total_duration_ms: ms(start), ok_count: count("ok"), failed_count: count("failed"), skipped_count: count("skipped") };
  }
}
