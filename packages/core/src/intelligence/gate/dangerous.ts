/**
 * The gate's fixed list of dangerous commands (contracts/intelligence.md §5.8, step 2): each a
 * test on the lower-cased command and the reason a blocked check gives. Deliberately literal:
 * an agent's command either says the dangerous thing or it does not, and the reason names it.
 */
export interface DangerousCommand {
  reason: string;
  test: (command: string) => boolean;
}

/** Targets `rm -rf` may not touch: the root, home directories and the system's own trees. */
const PROTECTED_TREES = ["~", "/home", "/var", "/etc", "/usr", "/opt", "/boot", "/root", "/bin", "/sbin", "/lib"];
/** Services an agent may not stop or restart. */
const PROTECTED_SERVICES = ["sshd", "ssh", "docker", "containerd", "kubelet", "postgresql", "postgres", "mysql", "mariadb", "redis", "redis-server", "nginx", "engram", "networking", "network-manager", "systemd-networkd", "systemd-resolved", "firewalld", "ufw", "cron"];
/** Programs that shell tricks assemble out of pieces so no filter sees them. */
const ASSEMBLED = new Set(["rm", "mkfs", "dd", "shutdown", "reboot", "kill", "killall", "poweroff", "halt"]);

/** Shell words of a command: split on blanks and on the operators that start a new command. */
const words = (command: string) => command.split(/[\s;&|()]+/).filter(Boolean);

/** Whether `rm` is called recursively and forcibly on a protected target (the temporary-files directory excepted). */
function rmRecursiveForce(command: string): boolean {
  for (const segment of command.split(/(?:&&|\|\||[;|\n])/)) {
    const w = words(segment);
    const at = w.findIndex((x) => x === "rm" || x.endsWith("/rm"));
    if (at < 0) continue;
    const args = w.slice(at + 1);
    const flags = args.filter((a) => a.startsWith("-"));
    const recursive = flags.some((f) => f === "--recursive" || (/^-[a-z]+$/.test(f) && /r/i.test(f)));
    const force = flags.some((f) => f === "--force" || (/^-[a-z]+$/.test(f) && f.includes("f")));
    if (!recursive || !force) continue;
    const targets = args.filter((a) => !a.startsWith("-")).map((a) => a.replace(/^["']|["']$/g, ""));
    if (targets.some(isProtectedTarget)) return true;
  }
  return false;
}

function isProtectedTarget(target: string): boolean {
  const t = target.replace(/\/+$/, "") || "/";
  if (t === "/" || t === "/*" || t === "~" || t.startsWith("~/") || t === "$home" || t.startsWith("$home/")) return true;
  if (t === "/tmp" || t.startsWith("/tmp/")) return false;
  return PROTECTED_TREES.some((tree) => t === tree || t.startsWith(`${tree}/`));
}

/**
 * Programs assembled from shell variables or command substitutions: `a=r; b=m; $a$b -rf /`,
 * `x=shutdown; $x now`, `` `echo rm` -rf / ``, `$(printf 'r''m') …`.
 */
function assembledProgram(command: string): boolean {
  const vars = new Map<string, string>();
  for (const m of command.matchAll(/\b([a-z_][a-z0-9_]*)=(["']?)([^\s"';|&]*)\2/g)) vars.set(m[1]!, m[3]!);
  for (const m of command.matchAll(/(?:\$\{?[a-z_][a-z0-9_]*\}?)+/g)) {
    const joined = m[0].replace(/\$\{?([a-z_][a-z0-9_]*)\}?/g, (_, name: string) => vars.get(name) ?? "");
    if (ASSEMBLED.has(joined)) return true;
  }
  for (const m of command.matchAll(/`([^`]*)`|\$\(([^)]*)\)/g)) {
    const inner = (m[1] ?? m[2] ?? "").replace(/["'\s\\]/g, "");
    if ([...ASSEMBLED].some((p) => inner.includes(p))) return true;
  }
  return false;
}

export const DANGEROUS_COMMANDS: readonly DangerousCommand[] = [
  { reason: "Recursive forced delete of the root, a home directory or a system directory blocked", test: rmRecursiveForce },
  {
    reason: "Force push to main/master branch blocked",
    test: (c) => /\bgit\b.*\bpush\b/.test(c) && /(?:\s--force(?:-with-lease)?\b|\s-f\b|\s\+(?:main|master)\b)/.test(c) && /\b(?:main|master)\b/.test(c),
  },
  { reason: "git reset --hard blocked: it discards uncommitted work", test: (c) => /\bgit\b.*\breset\b.*--hard\b/.test(c) },
  { reason: "Reboot or shutdown blocked", test: (c) => words(c).some((w) => /^(?:reboot|shutdown|poweroff|halt)$/.test(w.replace(/^.*\//, ""))) || /\binit\s+[06]\b/.test(c) },
  {
    reason: "Seeding demo or production data blocked",
    test: (c) => /\bseed(?:s|ing|er)?\b|db:seed/.test(c) && /\b(?:demo|prod|production)\b/.test(c),
  },
  { reason: "Inserting sample or demo data blocked", test: (c) => /\binsert\b/.test(c) && /(?:^|[^a-z])(?:sample|demo|dummy|fake)(?:[^a-z]|$)/.test(c) },
  {
    reason: "Stopping or restarting a protected service blocked",
    test: (c) => {
      const m = /\b(?:systemctl\s+(?:stop|restart|kill|disable|mask)\s+([\w@.-]+)|service\s+([\w@.-]+)\s+(?:stop|restart))/.exec(c);
      const unit = (m?.[1] ?? m?.[2] ?? "").replace(/\.service$/, "");
      return m !== null && PROTECTED_SERVICES.includes(unit);
    },
  },
  {
    reason: "Inline interpreter code blocked (python -c, perl -e, ruby -e, node -e, deno eval, php -r)",
    test: (c) => /\b(?:python[0-9.]*\s+(?:-[a-z]*\s+)*-c|perl\s+(?:-[a-z]*\s+)*-e|ruby\s+(?:-[a-z]*\s+)*-e|node\s+(?:-[a-z]*\s+)*(?:-e|--eval|-p|--print)|deno\s+eval|php\s+(?:-[a-z]*\s+)*-r)\b/.test(c),
  },
  { reason: "eval blocked", test: (c) => words(c).includes("eval") },
  {
    reason: "Encoded command piped to a shell blocked",
    test: (c) => /(?:base64\s+(?:-d|--decode|-D)|xxd\s+-r|printf\s+\S*\\(?:x[0-9a-f]{2}|[0-7]{3}))[^|]*\|\s*(?:sudo\s+)?(?:ba|z|da|k|c|tc)?sh\b/.test(c),
  },
  { reason: "A program assembled from shell variables or substitutions blocked", test: assembledProgram },
  { reason: "DROP TABLE blocked", test: (c) => /\bdrop\s+table\b/.test(c) },
  { reason: "DROP DATABASE blocked", test: (c) => /\bdrop\s+(?:database|schema)\b/.test(c) },
  { reason: "mkfs blocked: it formats a file system", test: (c) => /\bmkfs\b/.test(c) },
];

/** The first dangerous pattern the command matches, or null. */
export function dangerousCommand(command: string): DangerousCommand | null {
  const c = command.toLowerCase();
  return DANGEROUS_COMMANDS.find((d) => d.test(c)) ?? null;
}
