/** The gate and the approvals it waits on: the public face of intelligence/gate. */
export { GateService, type GateCheckInput, type GateDecision } from "./gate.js";
export { ApprovalService, secondsRemaining, DEFAULT_APPROVAL_WINDOW_SECS, type Decision, type NewApproval } from "./approvals.js";
export { dangerousCommand } from "./dangerous.js";
export { forbiddenSshHost, forbiddenSshTarget } from "./ssh-targets.js";
export { scrubSecrets } from "./scrub.js";
