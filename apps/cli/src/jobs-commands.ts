import { Option, type Command } from "commander";
import type { JobStatus, PurgeJobsRequest } from "@engram/client";
import * as fmt from "./jobs-format.js";
import * as parse from "./options.js";
import { emit, sessionOf } from "./session.js";

const STATUSES = ["pending", "running", "completed", "failed"] as const satisfies readonly JobStatus[];
const PURGE_STATUSES = ["failed", "completed", "pending", "all"] as const;

/** Without admin a key sees its own user's jobs; `--user` is how an admin narrows to one tenant. */
const userOption = () => new Option("--user <id>", "only this user's jobs (admin keys; others see only their own)").argParser(parse.id);

interface CutoffOptions {
  type?: string;
  user?: number;
  before?: string;
  olderThanDays?: number;
}

const cutoff = (o: CutoffOptions) => ({ type: o.type, user_id: o.user, before: o.before, older_than_days: o.olderThanDays });

/** jobs list|get|stats|retry|purge|cleanup: the background job queue (embeddings, links, TTL sweeps). */
export function registerJobsCommands(program: Command): void {
  const jobs = program.command("jobs").description("background jobs: list, inspect, retry and clean up (default: list)");

  jobs
    .command("list", { isDefault: true })
    .description("jobs newest first (pending ones in run order)")
    .addOption(new Option("--status <status>", "only jobs in this state").choices(STATUSES))
    .option("--type <type>", "only jobs of this type, e.g. embed")
    .addOption(userOption())
    .option("--limit <n>", "at most this many (server default: 50)", parse.integer(1, 1000))
    .option("--offset <n>", "skip this many, for paging", parse.integer(0))
    .action(async (o: { status?: JobStatus; type?: string; user?: number; limit?: number; offset?: number }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.listJobs({ status: o.status, type: o.type, user_id: o.user, limit: o.limit, offset: o.offset }), (r) => fmt.jobsTable(r.jobs));
    });

  jobs
    .command("get")
    .description("one job in full: payload, attempts, last error, result")
    .argument("<id>", "job id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.getJob(id), fmt.jobDetail);
    });

  jobs
    .command("stats")
    .description("job counts by status and by type")
    .addOption(userOption())
    .action(async (o: { user?: number }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.jobStats({ user_id: o.user }), fmt.jobStats);
    });

  jobs
    .command("retry")
    .description("move a failed job back to pending with fresh attempts; with no id, every failed job (of --type)")
    .argument("[id]", "job id", parse.id)
    .option("--type <type>", "with no id: only failed jobs of this type")
    .addOption(userOption())
    .action(async (id: number | undefined, o: { type?: string; user?: number }, cmd: Command) => {
      const s = sessionOf(cmd);
      if (id !== undefined) {
        if (o.type !== undefined || o.user !== undefined) throw new Error("--type and --user apply only without a job id");
        emit(s, await s.client.retryJob(id), (r) => `retried job #${r.id} (${r.job.type}): ${r.job.status} again`);
        return;
      }
      emit(s, await s.client.retryJobs({ type: o.type, user_id: o.user }), fmt.retried);
    });

  jobs
    .command("purge")
    .description("delete failed jobs (or --status completed, pending, all but running)")
    .addOption(new Option("--status <status>", "which jobs to delete (server default: failed)").choices(PURGE_STATUSES))
    .option("--type <type>", "only jobs of this type")
    .option("--before <date-time>", "only jobs created before this ISO-8601 date-time")
    .option("--older-than-days <n>", "only jobs older than this many days", parse.nonNegativeNumber)
    .addOption(userOption())
    .action(async (o: CutoffOptions & { status?: PurgeJobsRequest["status"] }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.purgeJobs({ status: o.status, ...cutoff(o) }), fmt.purged);
    });

  jobs
    .command("cleanup")
    .description("delete completed jobs older than a cutoff (server default: 7 days)")
    .option("--type <type>", "only jobs of this type")
    .option("--before <date-time>", "completed before this ISO-8601 date-time")
    .option("--older-than-days <n>", "completed more than this many days ago", parse.nonNegativeNumber)
    .addOption(userOption())
    .action(async (o: CutoffOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.cleanupJobs(cutoff(o)), (r) => `deleted ${r.cleaned} completed job${r.cleaned === 1 ? "" : "s"} from before ${r.before}`);
    });
}
