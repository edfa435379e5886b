import { Option, type Command } from "commander";
import type { ContextMode, ContextStrategy } from "@engram/client";
import * as fmt from "./format.js";
import * as parse from "./options.js";
import { emit, sessionOf } from "./session.js";

interface RecallOptions {
  query?: string;
  limit?: number;
  space?: number;
}

interface ContextOptions {
  maxTokens?: number;
  strategy?: ContextStrategy;
  mode?: ContextMode;
  session?: string;
  space?: number;
}

/** Exit status of `guard` when a rule blocks the action: what agent hooks read as "do not proceed". */
export const GUARD_BLOCK_EXIT = 2;

/** recall, context, guard: what an agent asks before it answers or acts. */
export function registerRetrievalCommands(program: Command): void {
  program
    .command("recall")
    .description("recall the memories that matter for a topic (each counts as reviewed); with an id, show that memory")
    .argument("[id]", "a memory id: show that one memory, as get does", parse.id)
    .option("--query <text>", "the topic; without it, the most important recent memories")
    .option("--limit <n>", "at most this many (1-100, server default: 10)", parse.integer(1, 100))
    .option("--space <id>", "only this space", parse.id)
    .action(async (id: number | undefined, o: RecallOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      if (id !== undefined) {
        if (o.query !== undefined || o.limit !== undefined || o.space !== undefined) {
          cmd.error("error: recall takes either an id or --query/--limit/--space, not both");
        }
        emit(s, await s.client.get(id), fmt.memoryDetail);
        return;
      }
      const r = await s.client.recall({ query: o.query, limit: o.limit, space_id: o.space });
      emit(s, r, (x) => fmt.memoryLines(x.memories));
    });

  program
    .command("context")
    .description("assemble the memories relevant to a query into one block of text within a token budget")
    .argument("<query...>", "the task or question")
    .option("--max-tokens <n>", "token budget (server default: 8000)", parse.integer(1))
    .addOption(new Option("--strategy <name>", "precision: fewer, closer matches; breadth: more, looser ones").choices(["balanced", "precision", "breadth"]))
    .addOption(new Option("--mode <name>", "how much work to spend").choices(["fast", "balanced", "deep", "decision"]))
    .option("--session <id>", "include this session's recent memories")
    .option("--space <id>", "only this space", parse.id)
    .action(async (words: string[], o: ContextOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const r = await s.client.context({
        query: words.join(" "),
        max_tokens: o.maxTokens,
        strategy: o.strategy,
        mode: o.mode,
        session: o.session,
        space_id: o.space,
      });
      // The text alone, so it can be piped into a prompt; --json has the blocks and the accounting.
      emit(s, r, (x) => x.context || "no relevant memories");
    });

  program
    .command("guard")
    .description(`check an action against your stored rules: allow, warn or block (exit status ${GUARD_BLOCK_EXIT} on block)`)
    .argument("<action...>", "the action about to be taken, in plain words")
    .action(async (words: string[], _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      const verdict = await s.client.guard(words.join(" "));
      emit(s, verdict, fmt.guardResult);
      if (verdict.signal === "block") process.exitCode = GUARD_BLOCK_EXIT;
    });
}
