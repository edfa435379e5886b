/**
 * THE REGEX VERSION OF src/graph/entity-rules.ts as it stood before the linear scanners (commit
 * de1104d), kept only as the oracle of the differential tests in scanners.test.ts: on short inputs,
 * where its quadratic regexes cost nothing, the scanners must return exactly what it returned.
 * Never import it from src/.
 */
export const ENTITY_TYPES = ["person", "server", "tool", "project", "path", "other"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export interface ExtractedEntity {
  name: string;
  /** Lower-cased, whitespace-collapsed name: one entity per key per tenant. */
  key: string;
  type: EntityType;
  /** 0.75 for one mention, 1 for two or more. */
  salience: number;
}

export interface KnownEntity {
  name: string;
  aliases: readonly string[];
  type: EntityType;
}

const MAX_ENTITIES = 20;
const MAX_NAME_WORDS = 4;

export const entityKey = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * Tools common enough in agents' notes to be recognised without being declared. Matched in
 * this casing only ("Express", not "express"), plus the lower-case command names listed.
 */
const TOOLS = `Git GitHub GitLab Bitbucket Docker Kubernetes Helm Terraform Ansible Puppet Vagrant Jenkins CircleCI
Nginx Apache Caddy HAProxy Traefik PostgreSQL Postgres MySQL MariaDB SQLite MongoDB Redis Memcached Elasticsearch
OpenSearch Kafka RabbitMQ NATS Grafana Prometheus Loki Datadog Sentry PagerDuty Splunk Kibana Logstash AWS GCP Azure
Cloudflare Vercel Netlify Heroku DigitalOcean Hetzner Linode S3 EC2 Lambda Yarn Node.js Deno Bun TypeScript JavaScript
Python Rust Golang Java Kotlin Ruby PHP Elixir Haskell Django Flask FastAPI Rails Laravel Spring React Vue Svelte
Angular Next.js Nuxt Vite Webpack Babel ESLint Prettier Jest Vitest Pytest Cargo Poetry Conda Homebrew Vim Neovim
Emacs VSCode Slack Jira Confluence Notion Linear Figma Zoom OpenAI Anthropic Claude ChatGPT Ollama LangChain PyTorch
TensorFlow ONNX Tailscale WireGuard OpenVPN SSH Bash Zsh PowerShell Windows macOS Linux Ubuntu Debian Fedora Alpine
NixOS Hono Express Fastify Drizzle Prisma Supabase Firebase Stripe Twilio`.split(/\s+/);
const TOOL_COMMANDS = `git docker kubectl helm terraform ansible nginx postgres psql mysql sqlite3 redis-cli kafka npm pnpm yarn
node deno cargo rustc pip pip3 python3 systemctl journalctl crontab tmux vim nvim ssh scp rsync curl wget jq make cmake
gcc clang brew apt dnf pacman`.split(/\s+/);

const TOOL_ENTITIES: KnownEntity[] = [
  ...TOOLS.map((name) => ({ name, aliases: [], type: "tool" as const })),
  ...TOOL_COMMANDS.map((name) => ({ name, aliases: [], type: "tool" as const })),
];

const TLDS =
  "com|net|org|io|dev|app|cloud|ai|co|sh|xyz|me|info|biz|internal|local|lan|corp|home|intranet|svc|cluster|test|example|invalid|localdomain|us|uk|de|fr|nl|eu|ca|au|jp|ch|se|no|fi|dk|es|it|pl|be|at|cz|in|br";

const KIND_CUES: Record<string, EntityType> = {
  server: "server", host: "server", hostname: "server", machine: "server", box: "server", vm: "server", instance: "server", node: "server",
  project: "project", repo: "project", repository: "project", codebase: "project", service: "project", app: "project",
  tool: "tool", library: "tool", package: "tool", framework: "tool", cli: "tool", plugin: "tool",
};

const KIND_PATTERN = new RegExp(`\\b(${Object.keys(KIND_CUES).join("|")})\\s+(?:called\\s+|named\\s+)?([\`"']?)([A-Za-z][\\w.-]*\\w)\\2`, "gi");

const PERSON_BEFORE = new Set(
  // Words that precede people and little else ("from Acme Corp", "with Docker" would not).
  "ask asked tell told ping pinged cc thanks thank colleague coworker manager teammate boss mr ms mrs dr prof met emailed".split(" "),
);
const PERSON_AFTER = new Set(
  "said says asked asks told tells wants wanted prefers preferred likes liked thinks thought mentioned suggested reported wrote agreed approved owns leads manages joined left reviewed".split(
    " ",
  ),
);

/** Capitalised words that name nothing: sentence openers, pronouns, days, months, markers. */
const CAPITAL_STOP = new Set(
  `the a an this that these those it its i we you they he she our my your their his her if when while after before also but and
or so then there here today tomorrow yesterday please note todo fixme nb ok yes no not never always every each all some any
what which who whom whose why how where remember important warning note update done next last first new old use using
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october
november december mon tue wed thu fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec q1 q2 q3 q4 eod eow asap fyi
for in on at to of as is are was were be been do does did can could should would will shall might must let lets just`.split(/\s+/),
);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whole-word, case-insensitive alternation of the names and aliases, longest first. */
function knownPattern(known: readonly KnownEntity[], ignoreCase: boolean): { re: RegExp; byKey: Map<string, KnownEntity> } | null {
  const byKey = new Map<string, KnownEntity>();
  const names = new Set<string>();
  for (const k of known) {
    for (const n of [k.name, ...k.aliases]) {
      if (!n.trim()) continue;
      // The first declaration of a name wins: "Docker" (the tool) over "docker" (its command).
      if (!byKey.has(entityKey(n))) byKey.set(entityKey(n), k);
      names.add(escape(n.trim()).replace(/\s+/g, "\\s+"));
    }
  }
  if (names.size === 0) return null;
  const alternation = [...names].sort((a, b) => b.length - a.length).join("|");
  return { re: new RegExp(`(?<![\\p{L}\\p{N}_@/.-])(?:${alternation})(?![\\p{L}\\p{N}_-])`, ignoreCase ? "giu" : "gu"), byKey };
}

const TOOL_PATTERN = knownPattern(TOOL_ENTITIES, false)!;

interface Found {
  name: string;
  type: EntityType;
  mentions: number;
  first: number;
}

export function extractEntities(text: string, known: readonly KnownEntity[] = []): ExtractedEntity[] {
  let masked = text;
  const found = new Map<string, Found>();
  const record = (name: string, type: EntityType, index: number) => {
    const key = entityKey(name);
    if (key.length < 2) return;
    const f = found.get(key);
    if (f) f.mentions++;
    else found.set(key, { name: name.trim().replace(/\s+/g, " "), type, mentions: 1, first: index });
  };
  const mask = (index: number, length: number) => {
    masked = masked.slice(0, index) + " ".repeat(length) + masked.slice(index + length);
  };
  /** Runs `re` over the unclaimed text; `take` returns the entity for a match, or null to leave it. */
  const claim = (re: RegExp, take: (m: RegExpExecArray) => { name: string; type: EntityType } | null) => {
    for (const m of [...masked.matchAll(re)]) {
      const e = take(m);
      if (!e) continue;
      record(e.name, e.type, m.index);
      mask(m.index, m[0].length);
    }
  };

  claim(/\bhttps?:\/\/([A-Za-z0-9.-]+)[^\s]*/g, (m) => ({ name: m[1]!.toLowerCase(), type: "server" }));
  claim(/\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b/g, (m) => ({ name: m[0].toLowerCase(), type: "person" }));
  claim(/(?<![\w.])(?:~|\.{1,2})?\/(?:[\w.@+-]+\/)+[\w.@+-]*|(?<![\w.])~\/[\w.@+-]+/g, (m) => {
    const name = m[0].replace(/[.,:;]+$/, "");
    return name.length > 2 ? { name, type: "path" } : null;
  });
  claim(/\b[A-Za-z]:\\(?:[^\\\s]+\\)*[^\\\s]+/g, (m) => ({ name: m[0].replace(/[.,:;]+$/, ""), type: "path" }));
  claim(/(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_-]{0,38})\b/g, (m) => ({ name: `@${m[1]}`, type: "person" }));
  claim(/\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g, (m) => ({ name: m[0], type: "server" }));
  claim(new RegExp(`\\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${TLDS})\\b|\\blocalhost\\b`, "gi"), (m) => ({
    name: m[0].toLowerCase(),
    type: "server",
  }));
  claim(KIND_PATTERN, (m) => {
    const type = KIND_CUES[m[1]!.toLowerCase()];
    const token = m[3]!;
    // "the server is down" names nothing; "server web-01", "project Phoenix", "repo `atlas`" do.
    if (!type || CAPITAL_STOP.has(token.toLowerCase())) return null;
    if (!m[2] && !/[\d-]|[A-Z]/.test(token)) return null;
    return { name: token, type };
  });
  for (const pattern of [knownPattern(known, true), TOOL_PATTERN]) {
    if (!pattern) continue;
    claim(pattern.re, (m) => {
      const k = pattern.byKey.get(entityKey(m[0]))!;
      return { name: k.name, type: k.type };
    });
  }
  claimCapitalised(masked, record);

  return [...found.values()]
    .sort((a, b) => a.first - b.first)
    .slice(0, MAX_ENTITIES)
    .map((f) => ({ name: f.name, key: entityKey(f.name), type: f.type, salience: Math.min(1, 0.5 + 0.25 * f.mentions) }));
}

const WORD = String.raw`[A-Z][\p{L}\p{N}]*(?:[-'’.][\p{L}\p{N}]+)*`;
const CAPITAL_RUN = new RegExp(`(?<![\\p{L}\\p{N}_])${WORD}(?:[ \\t]+${WORD})*`, "gu");

/** Runs of capitalised words: "Alice", "Bob Smith", "Project Phoenix". */
function claimCapitalised(text: string, record: (name: string, type: EntityType, index: number) => void) {
  // Words seen capitalised mid-sentence are names wherever they appear, sentence starts included.
  const midSentence = new Set<string>();
  const runs = [...text.matchAll(CAPITAL_RUN)].map((m) => {
    const prev = text.slice(Math.max(0, m.index - 40), m.index).replace(/[ \t]+$/, "");
    return { m, initial: prev === "" ? m.index <= 40 : /[.!?:\n*#>-]$/.test(prev) };
  });
  for (const { m, initial } of runs) {
    const words = m[0].split(/[ \t]+/);
    words.forEach((w, i) => (!initial || i > 0) && midSentence.add(w.toLowerCase()));
  }
  for (const { m, initial } of runs) {
    let words = m[0].replace(/['’]s$/, "").split(/[ \t]+/);
    let lead = 0;
    while (lead < words.length && CAPITAL_STOP.has(words[lead]!.toLowerCase())) lead++;
    words = words.slice(lead);
    while (words.length && CAPITAL_STOP.has(words[words.length - 1]!.toLowerCase())) words.pop();
    // Acronyms alone (API, TLS, CI) are mostly jargon; known ones (AWS) were matched as tools.
    words = words.length === 1 && /^[A-Z0-9]+$/.test(words[0]!) ? [] : words;
    if (words.length === 0 || words.length > MAX_NAME_WORDS) continue;
    const before = /([A-Za-z]+)[ \t]*$/.exec(text.slice(Math.max(0, m.index - 20), m.index))?.[1]?.toLowerCase();
    const after = /^(?:['’]s\b|\s+([A-Za-z]+))/.exec(text.slice(m.index + m[0].length))?.[1]?.toLowerCase();
    const possessive = /^['’]s\b/.test(text.slice(m.index + m[0].length)) || /['’]s$/.test(m[0]);
    const person = (before !== undefined && PERSON_BEFORE.has(before)) || (after !== undefined && PERSON_AFTER.has(after)) || possessive;
    // A lone capitalised word opening a sentence is usually just a sentence opener.
    if (initial && lead === 0 && words.length === 1 && !person && !midSentence.has(words[0]!.toLowerCase())) continue;
    const cue = before ? KIND_CUES[before] : undefined;
    const type: EntityType = words[0]!.toLowerCase() === "project" ? "project" : cue ?? (person ? "person" : "other");
    record(words.join(" "), type, m.index);
  }
}
