import { Option, type Command } from "commander";
import * as fmt from "./format.js";
import * as parse from "./options.js";
import { emit, sessionOf } from "./session.js";

const GRADES = ["1", "2", "3", "4"] as const;

/** fsrs review|state (spaced-repetition scheduling) and graph neighborhood (linked memories). */
export function registerFsrsGraphCommands(program: Command): void {
  const fsrs = program.command("fsrs").description("spaced-repetition state of memories");

  fsrs
    .command("review")
    .description("grade how well a memory held up; strong memories stay, stale ones fade")
    .argument("<id>", "memory id", parse.id)
    .addOption(new Option("--grade <n>", "1 again, 2 hard, 3 good, 4 easy (server default: 3)").choices(GRADES))
    .action(async (id: number, o: { grade?: (typeof GRADES)[number] }, cmd: Command) => {
      const s = sessionOf(cmd);
      const grade = o.grade === undefined ? undefined : (Number(o.grade) as 1 | 2 | 3 | 4);
      emit(s, await s.client.fsrsReview({ id, grade }), fmt.fsrsReview);
    });

  fsrs
    .command("state")
    .description("a memory's retrievability now and the days until its next review")
    .argument("<id>", "memory id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.fsrsState(id), fmt.fsrsState);
    });

  const graph = program.command("graph").description("the links between memories");

  graph
    .command("neighborhood")
    .description("the memories linked to one memory, and the links between them")
    .argument("<id>", "memory id", parse.id)
    .option("--depth <n>", "how many links away to go (server default: 1)", parse.integer(1))
    .option("--limit <n>", "at most this many memories", parse.integer(1))
    .action(async (id: number, o: { depth?: number; limit?: number }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.graphNeighborhood(id, { depth: o.depth, limit: o.limit }), fmt.neighborhood);
    });
}
