import { leadingWindow } from "../text/index.js";
import { hostScanner, scanEmails, scanHandles, scanIps, scanUnixPaths, scanUrls, scanWindowsPaths, type RuleMatch, type Scanner } from "./entity-scanners.js";
import { NameMatcher } from "./name-matcher.js";

/**
 * Rule-based entity extraction: the people, servers, tools, projects and paths a memory
 * names. Rules, in the order they claim text: URLs and e-mail addresses, file paths,
 * @handles, IP addresses and host names, "<kind> <Name>" phrases ("server web-01",
 * "project Phoenix"), known entities (the tenant's own, plus a list of common tools),
 * then runs of capitalised words. A claimed span is masked so no rule reads it twice.
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

/** Built once: the tools are the same for every text. */
const TOOL_MATCHER = new NameMatcher(TOOL_ENTITIES, false, entityKey);
const HOSTS = hostScanner(new Set(TLDS.split("|")));

/**
 * How much of a memory extraction reads: its first 16 KB (16,384 characters). The scan is
 * linear, so this cap bounds its cost (about 2 ms for a full window on the development
 * machine; bench/results/scanners.json) rather than making it bearable. Why 16 KB: a memory
 * keeps at most MAX_ENTITIES (20) entities, the first named, and notes name 20 distinct
 * entities well within their first few thousand words. Names that appear only past the
 * window of a longer memory are not extracted (nor are their later mentions counted): a
 * documented limitation.
 */
export const MAX_ENTITY_SCAN_CHARS = 16_384;

interface Found {
  name: string;
  type: EntityType;
  mentions: number;
  first: number;
}

/** Replaces the claimed spans with spaces in one pass, so later rules never read them. */
function mask(text: string, claimed: readonly RuleMatch[]): string {
  if (claimed.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const m of claimed) {
    parts.push(text.slice(at, m.index), " ".repeat(m.end - m.index));
    at = m.end;
  }
  parts.push(text.slice(at));
  return parts.join("");
}

/**
 * The entities a text names, in the order they first appear, at most MAX_ENTITIES. Rules run
 * in a fixed order over what earlier rules left unclaimed (see the top of this file); each
 * is a linear scan (entity-scanners.ts, name-matcher.ts), and only the first
 * MAX_ENTITY_SCAN_CHARS of the text are read, so the cost is bounded whatever the text.
 */
export function extractEntities(text: string, known: readonly KnownEntity[] = []): ExtractedEntity[] {
  let masked = leadingWindow(text, MAX_ENTITY_SCAN_CHARS);
  const found = new Map<string, Found>();
  const record = (name: string, type: EntityType, index: number) => {
    const key = entityKey(name);
    if (key.length < 2) return;
    const f = found.get(key);
    if (f) f.mentions++;
    else found.set(key, { name: name.trim().replace(/\s+/g, " "), type, mentions: 1, first: index });
  };
  const knownMatcher = known.length > 0 ? new NameMatcher(known, true, entityKey) : null;
  const rules: Scanner[] = [
    scanUrls,
    scanEmails,
    scanUnixPaths,
    scanWindowsPaths,
    scanHandles,
    scanIps,
    HOSTS,
    scanKindPhrases,
    ...(knownMatcher ? [(t: string) => knownMatcher.scan(t)] : []),
    (t: string) => TOOL_MATCHER.scan(t),
  ];
  for (const rule of rules) {
    const claimed = rule(masked).filter((m) => m.entity !== null);
    for (const m of claimed) record(m.entity!.name, m.entity!.type, m.index);
    masked = mask(masked, claimed);
  }
  claimCapitalised(masked, record);

  return [...found.values()]
    .sort((a, b) => a.first - b.first)
    .slice(0, MAX_ENTITIES)
    .map((f) => ({ name: f.name, key: entityKey(f.name), type: f.type, salience: Math.min(1, 0.5 + 0.25 * f.mentions) }));
}

/**
 * "<kind> <Name>" phrases: "server web-01", "project Phoenix", "repo `atlas`". A regular
 * expression, because this one is linear: it can only start at a cue word, and from there it
 * reads one whitespace run and one token (a failed try backtracks within that token only).
 */
const scanKindPhrases: Scanner = (text) =>
  [...text.matchAll(KIND_PATTERN)].map((m) => {
    const end = m.index + m[0].length;
    const type = KIND_CUES[m[1]!.toLowerCase()];
    const token = m[3]!;
    // "the server is down" names nothing; "server web-01", "project Phoenix", "repo `atlas`" do.
    if (!type || CAPITAL_STOP.has(token.toLowerCase())) return { index: m.index, end, entity: null };
    if (!m[2] && !/[\d-]|[A-Z]/.test(token)) return { index: m.index, end, entity: null };
    return { index: m.index, end, entity: { name: token, type } };
  });

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
