/** Flag parsing shared by the subcommands of engram-server (models, db). */

/**
 * Parses `--name value` flags and bare `--switch`es after the positional arguments; unknown
 * flags are errors. A switch given is "true" in `flags`.
 */
export function parseFlags(
  args: string[],
  known: readonly string[],
  switches: readonly string[] = [],
): { positional: string[]; flags: Record<string, string> } | string {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (switches.includes(name)) {
      if (inline !== undefined) return `--${name} takes no value`;
      flags[name] = "true";
      continue;
    }
    if (!known.includes(name)) return `unknown option --${name}`;
    const value = inline ?? args[++i];
    if (value === undefined || value === "") return `--${name} needs a value`;
    flags[name] = value;
  }
  return { positional, flags };
}
