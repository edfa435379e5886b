import type { Command } from "commander";
import * as fmt from "./format.js";
import * as parse from "./options.js";
import { emit, sessionOf } from "./session.js";

interface StoreOptions {
  category?: string;
  source?: string;
  importance?: number;
  tags?: string[];
  space?: number;
  static?: boolean;
}

interface SearchOptions {
  limit?: number;
  category?: string;
  tags?: string[];
}

interface ListOptions {
  limit?: number;
  offset?: number;
  category?: string;
  includeArchived?: boolean;
  includeForgotten?: boolean;
}

interface UpdateOptions {
  content?: string;
  category?: string;
  importance?: number;
  tags?: string[];
}

/** store, search, list, get, update, forget, archive, delete, versions. */
export function registerMemoryCommands(program: Command): void {
  program
    .command("store")
    .description("store a memory")
    .argument("<content...>", "the text to remember (several words are joined with spaces)")
    .option("--category <name>", "category (server default: general)")
    .option("--source <name>", "where the memory came from (server default: unknown)")
    .option("--importance <n>", `importance, ${parse.IMPORTANCE_HELP} (server default: 5)`, parse.importance)
    .option("--tags <list>", "comma-separated tags, e.g. a,b", parse.tagList)
    .option("--space <id>", "space id", parse.id)
    .option("--static", "a standing fact or rule that does not decay")
    .action(async (words: string[], o: StoreOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const result = await s.client.store({
        content: words.join(" "),
        category: o.category,
        source: o.source,
        importance: o.importance,
        tags: o.tags,
        space_id: o.space,
        is_static: o.static,
      });
      emit(s, result, fmt.storeResult);
    });

  program
    .command("search")
    .description("search memories")
    .argument("<query...>", "words to search for")
    .option("--limit <n>", "at most this many results (1-100, server default: 10)", parse.integer(1))
    .option("--category <name>", "only this category")
    .option("--tags <list>", "only memories with these comma-separated tags", parse.tagList)
    .action(async (words: string[], o: SearchOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const result = await s.client.search({ query: words.join(" "), limit: o.limit, category: o.category, tags: o.tags });
      emit(s, result, (r) => fmt.searchLines(r.results));
    });

  program
    .command("list")
    .description("list memories, newest first")
    .option("--limit <n>", "at most this many (1-1000, server default: 50)", parse.integer(1))
    .option("--offset <n>", "skip this many", parse.integer(0))
    .option("--category <name>", "only this category")
    .option("--include-archived", "also list archived memories")
    .option("--include-forgotten", "also list forgotten memories")
    .action(async (o: ListOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const result = await s.client.list({
        limit: o.limit,
        offset: o.offset,
        category: o.category,
        include_archived: o.includeArchived,
        include_forgotten: o.includeForgotten,
      });
      emit(s, result, (r) => fmt.memoryLines(r.results));
    });

  program
    .command("get")
    .description("show one memory")
    .argument("<id>", "memory id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.get(id), fmt.memoryDetail);
    });

  program
    .command("update")
    .description("write a new version of a memory")
    .argument("<id>", "memory id (the latest version)", parse.id)
    .option("--content <text>", "new content")
    .option("--category <name>", "new category")
    .option("--importance <n>", `new importance, ${parse.IMPORTANCE_HELP}`, parse.importance)
    .option("--tags <list>", "new comma-separated tags (replace the old ones)", parse.tagList)
    .action(async (id: number, o: UpdateOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const m = await s.client.update(id, { content: o.content, category: o.category, importance: o.importance, tags: o.tags });
      emit(s, m, (v) => `updated #${id}: new version v${v.version} is #${v.id}\n${fmt.memoryLine(v)}`);
    });

  program
    .command("forget")
    .description("forget a memory: hidden from search, recall and get")
    .argument("<id>", "memory id", parse.id)
    .option("--reason <text>", "why it is forgotten")
    .action(async (id: number, o: { reason?: string }, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.forget(id, o.reason), (r) => `#${r.id} ${r.status}`);
    });

  program
    .command("archive")
    .description("archive a memory: hidden from search and recall")
    .argument("<id>", "memory id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.archive(id), (r) => `#${r.id} ${r.status}`);
    });

  program
    .command("delete")
    .description("delete a memory for good")
    .argument("<id>", "memory id", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.delete(id), (r) => `deleted #${r.id}`);
    });

  program
    .command("versions")
    .description("show a memory's version chain, oldest first")
    .argument("<id>", "any memory id in the chain", parse.id)
    .action(async (id: number, _o: object, cmd: Command) => {
      const s = sessionOf(cmd);
      emit(s, await s.client.versions(id), (r) => fmt.versionLines(r.versions));
    });
}
