import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../test/support/server.js";

/** The shared retrieval sets sit beside the project root (../shared/data). */
export const DATA_DIR = path.resolve(ROOT, "../shared/data");

export interface LocomoTurn {
  speaker: string;
  dia_id: string;
  text: string;
}
export interface LocomoQa {
  question: string;
  evidence: string[];
  category: number;
}
export interface LocomoConversation {
  sample_id: string;
  conversation: Record<string, string | LocomoTurn[]>;
  qa: LocomoQa[];
}

export function loadLocomo(): LocomoConversation[] {
  return JSON.parse(fs.readFileSync(path.join(DATA_DIR, "locomo-dev.json"), "utf8"));
}

/** Every turn as the memory text the issue specifies: `[<session date>] <speaker>: <text>`. */
export function locomoTurns(conv: LocomoConversation): { diaId: string; content: string }[] {
  const out: { diaId: string; content: string }[] = [];
  for (let n = 1; ; n++) {
    const turns = conv.conversation[`session_${n}`] as LocomoTurn[] | undefined;
    if (!turns) break;
    const date = conv.conversation[`session_${n}_date_time`] as string;
    for (const t of turns) out.push({ diaId: t.dia_id, content: `[${date}] ${t.speaker}: ${t.text}` });
  }
  return out;
}

export interface AgentMemorySet {
  memories: { id: string; content: string }[];
  queries: { query: string; relevant: string[]; kind: "paraphrase" | "exact" | "mixed" }[];
}

export function loadAgentMemory(): AgentMemorySet {
  return JSON.parse(fs.readFileSync(path.join(DATA_DIR, "agent-memory-dev.json"), "utf8"));
}
