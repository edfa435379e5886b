import { isoNow, type CoreContext } from "../../context.js";
import { conflict, forbidden, invalid, notFound } from "../../errors.js";
import { ToolQualityStore, type ToolQuality } from "./store.js";
import { TOOLS, type GroundingTool, type ToolOutcome } from "./tools.js";

export const SESSION_BACKENDS = ["shell", "mcp", "web", "gui", "system"] as const;
export type SessionBackend = (typeof SESSION_BACKENDS)[number];

export interface GroundingSession {
  id: number;
  name: string;
  backend: SessionBackend;
  status: "connected";
  /** The tools of this backend; only shell and system have any here. */
  tools: string[];
  timeout_ms: number;
  max_retries: number;
  created_at: string;
  last_activity_at: string;
  metadata: Record<string, unknown>;
}

export interface ExecuteResult {
  status: "success" | "error";
  content: string;
  error: string | null;
  execution_time_ms: number;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
export const MAX_TOOL_TIMEOUT_MS = 60_000;
/** Sessions a tenant may hold at once; they live in this process's memory. */
export const MAX_SESSIONS_PER_USER = 100;
/** Where a tool ran: this server's host (the quality record's `server`). */
const LOCAL_SERVER = "local";

const TOOL_BY_NAME = new Map<string, GroundingTool>(TOOLS.map((t) => [t.name, t]));

function withTimeout(run: Promise<ToolOutcome>, timeoutMs: number): Promise<ToolOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ToolOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, content: "", error: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Grounding: tool sessions per tenant, held in memory (lost on restart), the five tools, and a
 * quality record per tenant and tool. Execution is off unless the server was started with
 * ENGRAM_GROUNDING_EXEC=1, because the tools run commands on the server host.
 */
export class GroundingService {
  private readonly sessions = new Map<number, Map<number, GroundingSession>>();
  private nextId = 1;
  private readonly quality: ToolQualityStore;

  constructor(
    private readonly ctx: CoreContext,
    /** ENGRAM_GROUNDING_EXEC. */
    readonly execEnabled: boolean,
  ) {
    this.quality = new ToolQualityStore(ctx.db);
  }

  tools(): { name: string; description: string; parameters: GroundingTool["parameters"]; backend_type: string; retriable: boolean }[] {
    return TOOLS.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, backend_type: t.backend, retriable: t.retriable }));
  }

  providers(): { name: string; type: string; status: "available" | "disabled"; tools: number }[] {
    const status = this.execEnabled ? "available" : "disabled";
    return (["shell", "system"] as const).map((b) => ({ name: b, type: b, status, tools: TOOLS.filter((t) => t.backend === b).length }));
  }

  createSession(
    userId: number,
    input: { name?: string | undefined; backend: SessionBackend; timeout_ms: number; max_retries: number; metadata: Record<string, unknown> },
  ): GroundingSession {
    let own = this.sessions.get(userId);
    if (!own) this.sessions.set(userId, (own = new Map()));
    if (own.size >= MAX_SESSIONS_PER_USER) throw conflict(`at most ${MAX_SESSIONS_PER_USER} grounding sessions at once; delete one first`);
    const id = this.nextId++;
    const now = isoNow(this.ctx);
    const session: GroundingSession = {
      id,
      name: input.name ?? `session-${id}`,
      backend: input.backend,
      status: "connected",
      tools: TOOLS.filter((t) => t.backend === input.backend).map((t) => t.name),
      timeout_ms: input.timeout_ms,
      max_retries: input.max_retries,
      created_at: now,
      last_activity_at: now,
      metadata: input.metadata,
    };
    own.set(id, session);
    return session;
  }

  listSessions(userId: number): GroundingSession[] {
    return [...(this.sessions.get(userId)?.values() ?? [])];
  }

  session(userId: number, id: number): GroundingSession {
    const s = this.sessions.get(userId)?.get(id);
    if (!s) throw notFound("grounding session");
    return s;
  }

  destroySession(userId: number, id: number): void {
    this.session(userId, id);
    this.sessions.get(userId)!.delete(id);
  }

  /**
   * Runs a tool for the user and records its outcome. With a session, its timeout and retries
   * apply (retries only for read-only tools) and its last activity moves. Bad arguments are a
   * 400 naming `args.<field>`; a tool that fails answers status "error", not an HTTP error.
   */
  async execute(userId: number, input: { tool: string; args: unknown; session_id?: number | undefined; timeout_ms?: number | undefined }): Promise<ExecuteResult> {
    if (!this.execEnabled) throw forbidden("grounding execution is disabled on this server (ENGRAM_GROUNDING_EXEC=1 enables it)");
    const tool = TOOL_BY_NAME.get(input.tool);
    if (!tool) throw invalid("tool", `unknown tool; one of ${TOOLS.map((t) => t.name).join(", ")}`);
    const session = input.session_id === undefined ? undefined : this.session(userId, input.session_id);
    const parsed = tool.args.safeParse(input.args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalid(["args", ...issue.path.map(String)].join("."), issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message);
    }
    const timeoutMs = input.timeout_ms ?? session?.timeout_ms ?? DEFAULT_TOOL_TIMEOUT_MS;
    const attempts = 1 + (tool.retriable ? (session?.max_retries ?? 0) : 0);
    const start = performance.now();
    let outcome: ToolOutcome = { ok: false, content: "", error: "not run" };
    for (let i = 0; i < attempts && !outcome.ok; i++) outcome = await withTimeout(tool.run(parsed.data, timeoutMs), timeoutMs);
    const ms = Math.round((performance.now() - start) * 10) / 10;
    const now = isoNow(this.ctx);
    if (session) session.last_activity_at = now;
    this.quality.record(userId, { toolKey: `${tool.backend}/${LOCAL_SERVER}/${tool.name}`, backend: tool.backend, server: LOCAL_SERVER, toolName: tool.name, ok: outcome.ok, ms }, now);
    return { status: outcome.ok ? "success" : "error", content: outcome.content, error: outcome.error, execution_time_ms: ms };
  }

  qualityRecords(userId: number, limit: number, degradedOnly: boolean): ToolQuality[] {
    return this.quality.list(userId, limit, degradedOnly);
  }
}
