/**
 * `pnpm structure`: reports SQL outside storage modules (core and apps), import cycles between
 * core's folders, and imports of another folder past its index.ts, and exits 1 when there is any.
 * Run by `.ci/run` so the shape stays.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { deepImports, sqlOutsideStores, unitCycles, type SourceFile } from "./rules.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function sources(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") out.push(...sources(path));
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) {
      out.push({ path: relative(root, path).split("\\").join("/"), text: readFileSync(path, "utf8") });
    }
  }
  return out;
}

const packageSources = (parent: string) =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      try {
        return sources(join(root, parent, d.name, "src"));
      } catch {
        return [];
      }
    });

const files = [...packageSources("packages"), ...packageSources("apps")];
const sql = sqlOutsideStores(files);
const core = files.filter((f) => f.path.startsWith("packages/core/src/"));
const cycles = unitCycles(core);
const deep = deepImports(core);

for (const f of sql) console.log(`SQL outside a storage module: ${f.path}:${f.line} (${f.what})`);
for (const c of cycles) console.log(`import cycle between core folders ${c.units.join(", ")}:\n  ${c.via.join("\n  ")}`);
for (const d of deep) console.log(`import past a folder's index.ts: ${d.path} imports ${d.imports}`);
console.log(
  `structure: ${files.length} source files, ${sql.length} SQL lines outside storage modules, ${cycles.length} folder cycles, ${deep.length} imports past an index.ts`,
);
process.exit(sql.length + cycles.length + deep.length === 0 ? 0 : 1);
