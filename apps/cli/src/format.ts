import type {
  BootstrapResponse,
  FsrsReviewResponse,
  FsrsStateResponse,
  GraphNeighborhoodResponse,
  GuardResponse,
  IssuedKey,
  KeysResponse,
  Memory,
  MemoryVersion,
  SearchResult,
  SpacesResponse,
  StoreResponse,
  TagsResponse,
  User,
} from "@engram/client";

/** Human renderings of API responses: one short line per item, tables for lists of records. */

const PREVIEW_CHARS = 100;

/** Newlines in content would break the one-line-per-item layout, so whitespace runs collapse to one space. */
function preview(content: string): string {
  const flat = content.replace(/\s+/g, " ").trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat;
}

type MemorySummary = Pick<Memory, "id" | "category" | "importance" | "content">;

export function memoryLine(m: MemorySummary): string {
  return `#${m.id} [${m.category}] imp ${m.importance}  ${preview(m.content)}`;
}

export function memoryLines(memories: MemorySummary[]): string {
  return memories.length ? memories.map(memoryLine).join("\n") : "no memories";
}

export function searchLines(results: SearchResult[]): string {
  if (!results.length) return "no results";
  return results.map((r) => `#${r.id} [${r.category}] imp ${r.importance} score ${r.score.toFixed(2)}  ${preview(r.content)}`).join("\n");
}

export function memoryDetail(m: Memory): string {
  const flags = [m.is_static && "static", !m.is_latest && "superseded"].filter(Boolean).join(", ");
  return [
    `#${m.id} [${m.category}] imp ${m.importance}  v${m.version} ${m.status}${flags ? ` (${flags})` : ""}`,
    `source: ${m.source}  created: ${m.created_at}${m.space_id !== null ? `  space: ${m.space_id}` : ""}`,
    ...(m.tags.length ? [`tags: ${m.tags.join(", ")}`] : []),
    "",
    m.content,
  ].join("\n");
}

export function storeResult(r: StoreResponse): string {
  if ("buffered" in r) return `buffered by the sidecar (position ${r.position}): the server is unreachable; it is stored when the server is back`;
  if (!r.stored) return `duplicate of #${r.existing_id} (distance ${r.distance}): not stored again, its source count went up`;
  return `stored #${r.id} imp ${r.importance}${r.tags.length ? `  tags: ${r.tags.join(", ")}` : ""}`;
}

export function versionLines(versions: MemoryVersion[]): string {
  return versions.map((v) => `v${v.version} #${v.id} ${v.created_at}${v.is_latest ? " (latest)" : ""}  ${preview(v.content)}`).join("\n");
}

export function guardResult(g: GuardResponse): string {
  return [`${g.signal}  ${g.message}`, ...g.rules.map((r) => `  #${r.id} imp ${r.importance}  ${preview(r.content)}`)].join("\n");
}

/** FSRS numbers are floats with many digits; two decimals are what a person can compare. */
const num = (x: number | null | undefined) => (x == null ? "-" : String(Math.round(x * 100) / 100));

export function fsrsReview(r: FsrsReviewResponse): string {
  const f = r.fsrs;
  return `#${r.id} reviewed: stability ${num(f.stability)} d, difficulty ${num(f.difficulty)}, reps ${f.reps}, lapses ${f.lapses}`;
}

export function fsrsState(s: FsrsStateResponse): string {
  return `#${s.id} retrievability ${num(s.retrievability)}, next review in ${num(s.next_review_days)} d, stability ${num(s.fsrs_stability)} d, difficulty ${num(s.fsrs_difficulty)}`;
}

export function neighborhood(g: GraphNeighborhoodResponse): string {
  const nodes = [...g.nodes].sort((a, b) => Number(b.id === g.center) - Number(a.id === g.center));
  const lines = nodes.map((n) => `${memoryLine(n)}${n.id === g.center ? "  (center)" : ""}`);
  if (g.edges.length) lines.push("", ...g.edges.map((e) => `#${e.source_id} -> #${e.target_id}  ${e.type} ${num(e.similarity)}`));
  return lines.join("\n");
}

export function tagsTable(r: TagsResponse): string {
  if (!r.tags.length) return "no tags";
  return table(["TAG", "COUNT"], r.tags.map((t) => [t.tag, t.count]));
}

export function spacesTable(r: SpacesResponse): string {
  if (!r.spaces.length) return "no spaces";
  return table(
    ["ID", "NAME", "MEMORIES", "CREATED", "DESCRIPTION"],
    r.spaces.map((s) => [s.id, s.name, s.memory_count, s.created_at, s.description ?? ""]),
  );
}

// The plain key goes on a line of its own: it is shown once and has to be copied.

export function issuedKey(k: IssuedKey): string {
  return [`key: ${k.key}`, `key #${k.id} "${k.name}", user ${k.user_id}, scopes ${k.scopes}`, k.message].join("\n");
}

export function bootstrapResult(b: BootstrapResponse): string {
  return [`key: ${b.key}`, `admin user #${b.user_id} "${b.name}", scopes ${b.scopes}`, b.message].join("\n");
}

export function keysTable(r: KeysResponse): string {
  if (!r.keys.length) return "no keys";
  return table(
    ["ID", "NAME", "PREFIX", "SCOPES", "USER", "EXPIRES", "LAST USED"],
    r.keys.map((k) => [k.id, k.name, k.key_prefix, k.scopes, k.user_id, k.expires_at ?? "never", k.last_used_at ?? "never"]),
  );
}

export function usersTable(users: User[]): string {
  return table(
    ["ID", "USERNAME", "ROLE", "EMAIL", "CREATED"],
    users.map((u) => [u.id, u.username, u.role, u.email ?? "", u.created_at]),
  );
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
