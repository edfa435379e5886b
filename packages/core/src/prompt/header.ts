import type { WorkRow } from "./store.js";

/** One memory another model wrote, as the header lists it. */
export interface PriorWork {
  id: number;
  model: string;
  source: string;
  category: string;
  summary: string;
  createdAt: string;
}

export interface TaskHeader {
  actorModel: string;
  actorRole: string;
  /** The other models among the memories read, most recent first. */
  priorModels: string[];
  priorWork: PriorWork[];
  text: string;
}

/** `summary` is a memory's first 200 characters (code points, so a character is never split). */
const SUMMARY_CHARS = 200;
/** The text lists at most this many of the prior works. */
const TEXT_WORKS = 5;

const summary = (content: string) => Array.from(content).slice(0, SUMMARY_CHARS).join("");

/**
 * POST /header (contracts/platform.md §8.1): which of the newest memories another model wrote,
 * so the model starting a task does not take them for its own. `rows` are the newest memories,
 * newest first; one with a `model` that differs from `actorModel` is prior work (at most `limit`).
 */
export function buildHeader(rows: readonly WorkRow[], actorModel: string, actorRole: string, limit: number): TaskHeader {
  const priorModels: string[] = [];
  const priorWork: PriorWork[] = [];
  for (const r of rows) {
    if (r.model === null || r.model === actorModel) continue;
    if (!priorModels.includes(r.model)) priorModels.push(r.model);
    if (priorWork.length < limit) {
      priorWork.push({ id: r.id, model: r.model, source: r.source, category: r.category, summary: summary(r.content), createdAt: r.createdAt });
    }
  }
  const lines = [
    "# Engram Task Header",
    `actor_model: ${actorModel}`,
    `actor_role: ${actorRole}`,
    `prior_models: [${priorModels.join(", ")}]`,
    "",
    "## Attribution Rule",
    `You are ${actorModel}. Memories in Engram tagged with a different model were NOT created by you.`,
  ];
  if (priorWork.length > 0) {
    lines.push("", "## Recent Work by Other Models", ...priorWork.slice(0, TEXT_WORKS).map((w) => `- [${w.model}] ${w.summary}`));
  }
  return { actorModel, actorRole, priorModels, priorWork, text: lines.join("\n") };
}
