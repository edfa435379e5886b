import type { Job, JobStats, PurgedJobs, RetriedJobs } from "@engram/client";
import { table } from "./format.js";

/** Human renderings of the job routes' answers. */

const ERROR_CHARS = 60;
const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function jobsTable(jobs: Job[]): string {
  if (!jobs.length) return "no jobs";
  return table(
    ["ID", "TYPE", "STATUS", "ATTEMPTS", "USER", "RUN AT", "ERROR"],
    jobs.map((j) => [j.id, j.type, j.status, `${j.attempts}/${j.max_attempts}`, j.user_id ?? "system", j.run_at, oneLine(j.error ?? "", ERROR_CHARS)]),
  );
}

export function jobDetail(j: Job): string {
  const lines = [
    `job #${j.id} ${j.type}  ${j.status}, attempt ${j.attempts} of ${j.max_attempts}`,
    `user: ${j.user_id ?? "system"}  created: ${j.created_at}  run at: ${j.run_at}`,
  ];
  if (j.started_at) lines.push(`started: ${j.started_at}${j.completed_at ? `  completed: ${j.completed_at}` : ""}`);
  if (j.dedupe_key) lines.push(`dedupe key: ${j.dedupe_key}`);
  if (j.error) lines.push(`error: ${j.error}`);
  lines.push(`payload: ${JSON.stringify(j.payload)}`);
  if (j.result !== null && j.result !== undefined) lines.push(`result: ${JSON.stringify(j.result)}`);
  return lines.join("\n");
}

export function jobStats(s: JobStats): string {
  const head = `${s.total} jobs: ${s.pending} pending, ${s.running} running, ${s.completed} completed, ${s.failed} failed`;
  const types = Object.entries(s.by_type).sort(([a], [b]) => a.localeCompare(b));
  if (!types.length) return head;
  return `${head}\n\n${table(["TYPE", "PENDING", "RUNNING", "COMPLETED", "FAILED"], types.map(([t, c]) => [t, c.pending, c.running, c.completed, c.failed]))}`;
}

export function retried(r: RetriedJobs): string {
  return r.retried ? `retried ${plural(r.retried, "failed job")}: ${r.ids.map((id) => `#${id}`).join(", ")}` : "no failed jobs to retry";
}

export function purged(r: PurgedJobs): string {
  const which = r.status === "all" ? "job" : `${r.status} job`;
  return `deleted ${plural(r.purged, which)}${r.before ? ` from before ${r.before}` : ""}`;
}
