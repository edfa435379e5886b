import { isoNow, type CoreContext } from "../../context.js";
import type { GateRequestRow } from "../../db/index.js";
import { conflict, notFound } from "../../errors.js";
import type { GuardService } from "../guard.js";
import type { GuardrailsConfig } from "../config.js";
import { ApprovalService, DEFAULT_APPROVAL_WINDOW_SECS } from "./approvals.js";
import { dangerousCommand } from "./dangerous.js";
import { scrubSecrets } from "./scrub.js";
import { forbiddenSshTarget } from "./ssh-targets.js";
import { GateStore, type GateStatus } from "./store.js";

/**
 * The gate (contracts/intelligence.md §5.8): an agent's hook asks before it runs a command.
 * The steps run in order and the first that decides wins; every check is stored in
 * gate_requests with the status it ended in. A check that needs a person (step 8) waits on an
 * approval without holding the event loop (approvals.ts).
 */
export interface GateCheckInput {
  command: string;
  agent: string;
  context?: string | undefined;
  tool_name?: string | undefined;
  wait_secs: number;
}

export interface GateDecision {
  allowed: boolean;
  reason: string;
  resolved_command: string;
  gate_id: number;
  requires_approval: boolean;
  approval_id?: string;
  enrichment?: string;
}

/** Tools that only read: step 1 lets them through without looking further. */
const READ_ONLY_TOOLS = new Set(["Read", "Glob", "Grep", "LS", "TodoRead"]);
const SECRET_PLACEHOLDER = /\{\{\s*secret:[^}]*\}\}/i;

interface Verdict {
  status: GateStatus;
  allowed: boolean;
  reason: string;
  requiresApproval?: boolean;
  enrichment?: string;
}

export class GateService {
  private readonly rows: GateStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly guard: GuardService,
    private readonly approvals: ApprovalService,
    private readonly config: Pick<GuardrailsConfig, "gateBlockedPatterns" | "gateApprovalTools">,
  ) {
    this.rows = new GateStore(ctx.db);
  }

  async check(userId: number, input: GateCheckInput): Promise<GateDecision> {
    // No credential store resolves placeholders here, so the resolved command is the command as sent.
    const resolved = input.command;
    const verdict = await this.decide(userId, input, resolved);
    if (verdict) return this.record(userId, input, resolved, verdict);
    return this.waitForApproval(userId, input, resolved);
  }

  /** Steps 1-7; null when the check goes on to step 8 (or nothing stops it: then it is allowed there). */
  private async decide(userId: number, input: GateCheckInput, resolved: string): Promise<Verdict | null> {
    const blocked = (reason: string): Verdict => ({ status: "blocked", allowed: false, reason });
    if (input.tool_name && READ_ONLY_TOOLS.has(input.tool_name)) return { status: "allowed", allowed: true, reason: `${input.tool_name} only reads` };
    const danger = dangerousCommand(resolved);
    if (danger) return blocked(danger.reason);
    const lower = resolved.toLowerCase();
    const pattern = this.config.gateBlockedPatterns.find((p) => lower.includes(p.toLowerCase()));
    if (pattern) return blocked(`Blocked pattern (ENGRAM_GATE_BLOCKED_PATTERNS): ${pattern}`);
    const guard = await this.guard.check(userId, resolved);
    if (guard.signal === "block") return blocked(`rule #${guard.rules[0]!.id}: ${guard.rules[0]!.content}`);
    const ruleNote = guard.signal === "warn" ? guard.rules.map((r) => `rule #${r.id} may apply: ${r.content}`).join("; ") : undefined;
    const ssh = forbiddenSshTarget(resolved);
    if (ssh) return blocked(`ssh to a ${ssh.why} address (${ssh.host}) blocked`);
    const systemctl = /\bsystemctl\s+(?:--\S+\s+)*([a-z-]+)\s+([\w@.-]+)/.exec(lower);
    if (systemctl) {
      const note = `systemctl ${systemctl[1]} ${systemctl[2]}: check \`systemctl status ${systemctl[2]}\` afterwards`;
      return { status: "allowed", allowed: true, reason: "Service command allowed", enrichment: join(note, ruleNote) };
    }
    if (SECRET_PLACEHOLDER.test(resolved)) {
      return { status: "pending_secrets", allowed: false, reason: "The command holds {{secret:…}} placeholders that are not resolved", requiresApproval: true, enrichment: ruleNote };
    }
    if (input.tool_name && this.config.gateApprovalTools.includes(input.tool_name)) return null;
    return { status: "allowed", allowed: true, reason: ruleNote ? "Allowed with a warning" : "No check objected", enrichment: ruleNote };
  }

  private record(userId: number, input: GateCheckInput, resolved: string, v: Verdict, approvalId: string | null = null): GateDecision {
    const now = isoNow(this.ctx);
    const row = this.rows.insert({
      userId,
      agent: input.agent,
      command: input.command,
      context: input.context ?? null,
      toolName: input.tool_name ?? null,
      status: v.status,
      reason: v.reason,
      approvalId,
      output: null,
      createdAt: now,
      updatedAt: now,
    });
    return decisionOf(row, resolved, v);
  }

  /** Step 8: an approval for a person, and a wait of up to `wait_secs` for their decision. */
  private async waitForApproval(userId: number, input: GateCheckInput, resolved: string): Promise<GateDecision> {
    const approval = this.approvals.create(userId, {
      action: `${input.tool_name}: ${input.command}`,
      requester: input.agent,
      context: input.context,
      windowSecs: DEFAULT_APPROVAL_WINDOW_SECS,
    });
    const pending: Verdict = { status: "pending_approval", allowed: false, reason: `Waiting for approval ${approval.id}`, requiresApproval: true };
    const first = this.record(userId, input, resolved, pending, approval.id);
    const outcome = await this.approvals.waitForDecision(userId, approval.id, input.wait_secs * 1000);
    if (outcome.status === "timeout") {
      const reason = input.wait_secs === 0 ? `Approval ${approval.id} is required` : `No decision on approval ${approval.id} within ${input.wait_secs} s`;
      return { ...first, reason };
    }
    const approved = outcome.status === "approved";
    const why = outcome.approval.decisionReason ? `: ${outcome.approval.decisionReason}` : "";
    const reason = approved ? `Approved${why}` : outcome.status === "expired" ? "The approval expired" : `Denied${why}`;
    // A gate/respond may have settled the row already; the approval's decision is the same either way.
    this.rows.update(userId, first.gate_id, { status: approved ? "approved" : "denied", reason, updatedAt: isoNow(this.ctx) });
    return { ...first, allowed: approved, reason, requires_approval: true };
  }

  /** A person's answer to a check: settles its approval (waking the waiting check) and the check itself. */
  respond(userId: number, gateId: number, approved: boolean, reason: string | undefined): { row: GateRequestRow; command?: string } {
    const row = this.rows.find(userId, gateId);
    if (!row) throw notFound("gate request");
    if (row.status !== "pending_approval" && row.status !== "pending_secrets") throw conflict(`gate request ${gateId} is ${row.status}, not waiting for an answer`);
    if (row.approvalId) {
      const approval = this.approvals.get(userId, row.approvalId);
      if (approval.status === "pending") this.approvals.decide(userId, row.approvalId, approved ? "approved" : "denied", "gate/respond", reason);
    }
    const updated = this.rows.update(userId, gateId, {
      status: approved ? "approved" : "denied",
      reason: `${approved ? "Approved" : "Denied"}${reason ? `: ${reason}` : ""}`,
      updatedAt: isoNow(this.ctx),
    })!;
    return approved ? { row: updated, command: updated.command } : { row: updated };
  }

  /** Stores what the command printed, scrubbed of the secrets the caller names; the check is completed. */
  complete(userId: number, gateId: number, output: string, knownSecrets: readonly string[]): GateRequestRow {
    if (!this.rows.find(userId, gateId)) throw notFound("gate request");
    return this.rows.update(userId, gateId, { status: "completed", output: scrubSecrets(output, knownSecrets), updatedAt: isoNow(this.ctx) })!;
  }
}

const join = (...notes: (string | undefined)[]) => notes.filter(Boolean).join("; ") || undefined;

function decisionOf(row: GateRequestRow, resolved: string, v: Verdict): GateDecision {
  return {
    allowed: v.allowed,
    reason: v.reason,
    resolved_command: resolved,
    gate_id: row.id,
    requires_approval: v.requiresApproval ?? false,
    ...(row.approvalId ? { approval_id: row.approvalId } : {}),
    ...(v.enrichment ? { enrichment: v.enrichment } : {}),
  };
}
