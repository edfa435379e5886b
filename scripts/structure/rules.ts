/**
 * The two shape rules of the codebase, as pure functions over file texts (so they can be tested on
 * small made-up trees): SQL only in storage modules, and no import cycles between core's folders.
 */
import ts from "typescript";

/** A source file: its repository-relative path (forward slashes) and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

export interface SqlFinding {
  path: string;
  line: number;
  what: string;
}

const CORE_SRC = "packages/core/src/";

/**
 * A storage module is where a table's statements live: a `store.ts` or a file under a `store/`
 * folder of a core subsystem, or core's `db/` (connection, migrations, schema).
 */
export function isStorageModule(path: string): boolean {
  if (!path.startsWith(CORE_SRC)) return false;
  const rest = path.slice(CORE_SRC.length);
  return rest.startsWith("db/") || /(^|\/)store\.ts$/.test(rest) || /(^|\/)store\//.test(rest);
}

/** What marks a line as SQL: prepared statements, drizzle's builder on a db handle, pragmas, raw SQL handed to the driver. */
const SQL_MARKS: { what: string; re: RegExp }[] = [
  { what: ".prepare(", re: /\.prepare\s*\(/ },
  { what: "sql`…` template", re: /\bsql\s*`/ },
  { what: ".pragma(", re: /\.pragma\s*\(/ },
  { what: "query builder on a db handle", re: /\b(?:db|tx|\$client)\s*\.\s*(?:select|selectDistinct|insert|update|delete|run|all|get|values|query)\s*\(/ },
  { what: "raw SQL passed to exec", re: /\.exec\s*\(\s*[`'"]\s*(?:CREATE|INSERT|UPDATE|DELETE|SELECT|PRAGMA|BEGIN|COMMIT|DROP|ALTER|WITH)\b/i },
];

/** Modules whose values are SQL: the driver, drizzle, and the drizzle table objects of core's schema. */
const SQL_MODULES = /^(?:drizzle-orm(?:\/.*)?|better-sqlite3|.*\/db\/schema(?:\.js)?)$/;

/** Every SQL mark in a file that is not a storage module. Type-only imports carry no SQL and pass. */
export function sqlOutsideStores(files: SourceFile[]): SqlFinding[] {
  const findings: SqlFinding[] = [];
  for (const file of files) {
    if (isStorageModule(file.path)) continue;
    file.text.split("\n").forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
      for (const mark of SQL_MARKS) {
        if (mark.re.test(line)) findings.push({ path: file.path, line: i + 1, what: mark.what });
      }
    });
    for (const m of file.text.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']/gms)) {
      if (m[2] || !SQL_MODULES.test(m[4]!)) continue;
      // `import { type A, type B } from …` is type-only as well.
      const names = /^\{([^}]*)\}$/.exec(m[3]!.trim())?.[1];
      if (names !== undefined && names.split(",").every((n) => !n.trim() || /^type\s/.test(n.trim()))) continue;
      const line = file.text.slice(0, m.index).split("\n").length;
      findings.push({ path: file.path, line, what: `value import from ${m[4]}` });
    }
  }
  return findings;
}

/** The folder (or root file) of core a path belongs to: `graph` for `packages/core/src/graph/x.ts`, `engram.ts` for a root file. */
export function coreUnit(path: string): string | null {
  if (!path.startsWith(CORE_SRC)) return null;
  const rest = path.slice(CORE_SRC.length);
  const slash = rest.indexOf("/");
  return slash === -1 ? rest : rest.slice(0, slash);
}

function resolveRelative(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== ".") parts.push(seg);
  }
  return parts.join("/");
}

/** Edges between core's units: `a → b` when a file of `a` imports a file of `b` (type-only imports count too). */
export function unitImports(files: SourceFile[]): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = coreUnit(file.path);
    if (!from) continue;
    for (const imported of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!imported.fileName.startsWith(".")) continue;
      const to = coreUnit(resolveRelative(file.path, imported.fileName));
      if (!to || to === from) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      // Keep one example file per edge, so a reported cycle says where to look.
      if (!out.has(to)) out.set(to, file.path);
      edges.set(from, out);
    }
  }
  return edges;
}

/**
 * The import cycles between units (strongly connected components of more than one unit, Tarjan),
 * each as its units plus the files that close it.
 */
export function unitCycles(files: SourceFile[]): { units: string[]; via: string[] }[] {
  const edges = unitImports(files);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (unit: string): void => {
    index.set(unit, next);
    low.set(unit, next);
    next++;
    stack.push(unit);
    onStack.add(unit);
    for (const to of edges.get(unit)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(unit, Math.min(low.get(unit)!, index.get(to)!));
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component: string[] = [];
      let popped: string;
      do {
        popped = stack.pop()!;
        onStack.delete(popped);
        component.push(popped);
      } while (popped !== unit);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const unit of [...edges.keys()].sort()) if (!index.has(unit)) visit(unit);
  return components.map((units) => ({
    units,
    via: units.flatMap((from) =>
      [...(edges.get(from) ?? new Map<string, string>()).entries()]
        .filter(([to]) => units.includes(to))
        .map(([to, file]) => `${from} → ${to} (${file})`),
    ),
  }));
}

/**
 * Imports that reach into another folder of core past its public face (`index.ts`): a folder's other
 * files are its own business, so they can move without touching their callers. Storage modules
 * may import db/'s files (the drizzle tables are for them alone).
 */
export function deepImports(files: SourceFile[]): { path: string; imports: string }[] {
  const found: { path: string; imports: string }[] = [];
  for (const file of files) {
    const from = coreUnit(file.path);
    if (!from) continue;
    for (const imported of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!imported.fileName.startsWith(".")) continue;
      const target = resolveRelative(file.path, imported.fileName);
      const to = coreUnit(target);
      if (!to || to === from || !target.startsWith(`${CORE_SRC}${to}/`)) continue;
      if (target === `${CORE_SRC}${to}/index.js` || target === `${CORE_SRC}${to}/index.ts`) continue;
      // Storage modules are the storage layer: they reach db/'s tables and connection directly.
      if (to === "db" && isStorageModule(file.path)) continue;
      found.push({ path: file.path, imports: imported.fileName });
    }
  }
  return found;
}
