import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATED_PATH, renderApiTypes, serverDocument } from "./api-types.js";

/** Writes src/generated/api.ts from the built server's /openapi.json (run `pnpm build` first). */
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", GENERATED_PATH);
fs.writeFileSync(target, await renderApiTypes(await serverDocument()));
console.log(`wrote ${target}`);
