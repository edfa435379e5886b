import fs from "node:fs";
import {
  ConvertError,
  DatabaseBusyError,
  databaseStatus,
  decryptDatabase,
  encryptDatabase,
  EncryptionKeyError,
  keyFromFile,
  keyFromVariable,
  rekeyDatabase,
  resolveDbKey,
  takeExclusiveLock,
  type Config,
  type DbKey,
} from "@engram/core";
import { parseFlags } from "./cli-flags.js";

export const DB_USAGE = `usage:
  engram-server db status
      the encryption mode, whether the database file is encrypted, its cipher, schema and size
  engram-server db encrypt [--delete-plain]
      plain to encrypted with the configured key; the plain file is kept as <db>.plain-<stamp>.bak
  engram-server db decrypt --yes
      encrypted to plain (for export or debugging); the encrypted file is kept as <db>.encrypted-<stamp>.bak
  engram-server db rekey --new-key-env NAME | --new-keyfile PATH
      re-encrypt with a new key, then reopen with it to verify
`;

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

/**
 * `engram-server db …`: offline maintenance of the database file (platform.md §2.3). Each
 * command first takes the exclusive lock a running server would hold shared, so it refuses
 * while the server runs. Exit codes: 0 done, 1 failure, 2 usage, 3 key problem.
 */
export function runDbCommand(args: string[], config: Config, io: Io): number {
  const [sub, ...rest] = args;
  const usage = (why: string) => {
    io.err.write(`engram-server: ${why}\n${DB_USAGE}`);
    return 2;
  };
  const parsed = parseFlags(rest, ["new-key-env", "new-keyfile"], ["delete-plain", "yes"]);
  if (typeof parsed === "string") return usage(parsed);
  if (parsed.positional.length > 0) return usage(`unexpected argument ${JSON.stringify(parsed.positional[0])}`);
  const { flags } = parsed;
  const allowed: Record<string, string[]> = { status: [], encrypt: ["delete-plain"], decrypt: ["yes"], rekey: ["new-key-env", "new-keyfile"] };
  if (!sub || !(sub in allowed)) return usage(sub ? `unknown db command ${JSON.stringify(sub)}` : "db needs a command");
  const stray = Object.keys(flags).find((f) => !allowed[sub]!.includes(f));
  if (stray) return usage(`db ${sub} takes no --${stray}`);
  if (sub === "decrypt" && !flags.yes) return usage("db decrypt writes every memory in the clear; confirm with --yes");
  if (sub === "rekey" && Boolean(flags["new-key-env"]) === Boolean(flags["new-keyfile"])) {
    return usage("db rekey needs the new key from exactly one of --new-key-env NAME or --new-keyfile PATH");
  }

  if (!fs.existsSync(config.dbPath)) {
    io.err.write(`engram-server: no database at ${config.dbPath}\n`);
    return 1;
  }
  try {
    const lock = takeExclusiveLock(config.dbPath);
    try {
      io.out.write(`${run(sub, flags, config)}\n`);
      return 0;
    } finally {
      lock.release();
    }
  } catch (err) {
    if (err instanceof EncryptionKeyError) {
      io.err.write(`engram-server: ${err.message}\n`);
      return 3;
    }
    if (err instanceof DatabaseBusyError || err instanceof ConvertError) {
      io.err.write(`engram-server: ${err.message}\n`);
      return 1;
    }
    io.err.write(`engram-server: db ${sub} failed: ${(err as Error).message}\n`);
    return 1;
  }
}

/** The configured key; commands that need one refuse mode none. */
function configuredKey(config: Config, what: string): DbKey {
  const key = resolveDbKey(config.encryption);
  if (!key) throw new EncryptionKeyError(`db ${what} needs a key: set ENGRAM_ENCRYPTION_MODE (keyfile or env) and its key`);
  return { key, mode: config.encryption.mode };
}

function run(sub: string, flags: Record<string, string>, config: Config): string {
  const db = config.dbPath;
  switch (sub) {
    case "status": {
      const key = resolveDbKey(config.encryption);
      const s = databaseStatus(db, key && { key, mode: config.encryption.mode });
      const encrypted = s.encrypted ? `yes (${s.cipher ?? "cipher unknown without the key"})` : "no";
      return `mode: ${config.encryption.mode}\nencrypted: ${encrypted}, schema ${s.schemaVersion ?? "unknown"}, ${mib(s.sizeBytes)}`;
    }
    case "encrypt": {
      const r = encryptDatabase(db, configuredKey(config, "encrypt"), { deletePlain: flags["delete-plain"] === "true" });
      return `encrypted ${r.tables} tables, ${r.rows} rows; ${r.keptAt ? `plain copy kept at ${r.keptAt}` : "plain copy deleted"}`;
    }
    case "decrypt": {
      const r = decryptDatabase(db, configuredKey(config, "decrypt"));
      return `decrypted ${r.tables} tables, ${r.rows} rows; encrypted copy kept at ${r.keptAt}`;
    }
    default: {
      const current = configuredKey(config, "rekey");
      const newKey = flags["new-keyfile"] ? keyFromFile(flags["new-keyfile"]) : keyFromVariable(flags["new-key-env"]!, process.env[flags["new-key-env"]!]);
      rekeyDatabase(db, current, { key: newKey, mode: config.encryption.mode });
      return "rekeyed";
    }
  }
}
