/** Settings of the review inbox and the gate (contracts/intelligence.md §1). */
export interface GuardrailsConfig {
  /** ENGRAM_REVIEW_REQUIRED: memories written by non-admin keys wait in the inbox as pending. */
  reviewRequired: boolean;
  /** ENGRAM_GATE_BLOCKED_PATTERNS: substrings /gate/check always blocks (matched lower-cased). */
  gateBlockedPatterns: readonly string[];
  /** ENGRAM_GATE_APPROVAL_TOOLS: tool names whose gate checks wait for a human approval. */
  gateApprovalTools: readonly string[];
}

export const DEFAULT_GUARDRAILS_CONFIG: GuardrailsConfig = { reviewRequired: false, gateBlockedPatterns: [], gateApprovalTools: [] };
