import type { Command } from "commander";
import * as fmt from "./format.js";
import * as parse from "./options.js";
import { emit, sessionOf } from "./session.js";

/** tags, spaces list|create|delete: how memories are grouped. */
export function registerOrganizeCommands(program: Command): void {
  program
    .command("tags")
    .description("your tags with how many memories carry each")
    .action(async (_o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.tags(), fmt.tagsTable);
    });

  const spaces = program.command("spaces").description("partitions inside your memories (default: list them)");

  spaces
    .command("list", { isDefault: true })
    .description("list your spaces with their memory counts")
    .action(async (_o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.listSpaces(), fmt.spacesTable);
    });

  spaces
    .command("create")
    .description("create a space")
    .argument("<name>", "space name")
    .option("--description <text>", "what goes in it")
    .action(async (name: string, o: { description?: string }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.createSpace({ name, description: o.description }), (sp) => `created space #${sp.id} ${sp.name}`);
    });

  spaces
    .command("delete")
    .description("delete a space")
    .argument("<id>", "space id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.deleteSpace(id), (r) => `deleted space #${r.id}`);
    });
}
