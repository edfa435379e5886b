import { Argument, type Command, type Option } from "commander";

/**
 * Shell completion scripts generated from the commander program itself: every command path,
 * its subcommands, its options (with the root's global options) and the values an option or
 * argument accepts (its choices, or file names for a path argument). A command or option added
 * to the program is completed without touching this file.
 */

export const SHELLS = ["bash", "zsh"] as const;
export type Shell = (typeof SHELLS)[number];

interface Described {
  name: string;
  description: string;
}

interface CommandNode {
  /** Subcommand names from the root, space-separated; "" for the root. */
  path: string;
  subcommands: Described[];
  options: Described[];
  /** Options that take a value, with the values to propose (empty: anything). */
  valueOptions: { name: string; values: string[] | "files" }[];
  /** Values to propose for each positional argument, in order. */
  args: (string[] | "files")[];
}

/** Arguments with one of these names complete file and folder names. */
const PATH_ARGUMENT = /^(path|file|folder|dir)$/;

function optionNames(o: Option): string[] {
  return [o.long, o.short].filter((n): n is string => n !== undefined);
}

/** The program as a flat list of command paths, root first, each with what can follow it. */
export function commandTree(program: Command): CommandNode[] {
  const help = program.createHelp();
  const globals = program.options.filter((o) => !o.hidden && o.long !== "--version");
  const nodes: CommandNode[] = [];
  const visit = (cmd: Command, path: string) => {
    const subs = help.visibleCommands(cmd).filter((c) => c.name() !== "help");
    const options = [...help.visibleOptions(cmd), ...(cmd === program ? [] : globals)];
    nodes.push({
      path,
      subcommands: subs.flatMap((c) => [c.name(), ...c.aliases()].map((name) => ({ name, description: c.description() }))),
      // Long names only, as most completions do; short ones still parse as usual.
      options: options.map((o) => ({ name: o.long ?? o.short ?? o.flags, description: o.description })),
      valueOptions: options
        .filter((o) => o.required || o.optional)
        .flatMap((o) => optionNames(o).map((name) => ({ name, values: o.argChoices ?? [] }))),
      args: cmd.registeredArguments.map((a: Argument) => a.argChoices ?? (PATH_ARGUMENT.test(a.name()) ? "files" : [])),
    });
    for (const sub of subs) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
  return nodes;
}

/** A single-quoted shell word: safe for any text in both bash and zsh. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const values = (v: string[] | "files") => (v === "files" ? "__files__" : v.join(" "));

/**
 * Lookup functions shared by both scripts (their syntax is common to bash and zsh):
 * subcommands and options of a path, the values of a value-taking option (status 1 when the
 * option takes none), the values of the n-th positional argument.
 */
function lookups(fn: string, nodes: CommandNode[], shell: Shell): string {
  const lines = (items: Described[]) =>
    shell === "zsh"
      ? items.map((i) => q(`${i.name.replace(/:/g, "\\:")}:${i.description.replace(/\s+/g, " ")}`)).join(" ")
      : q(items.map((i) => i.name).join(" "));
  const print = shell === "zsh" ? "print -rl --" : "echo";
  const cases = (body: (n: CommandNode) => string[]) => nodes.flatMap(body).join("\n");
  return `${fn}_subcommands() {
  case "$1" in
${cases((n) => (n.subcommands.length ? [`    ${q(n.path)}) ${print} ${lines(n.subcommands)} ;;`] : []))}
  esac
}

${fn}_options() {
  case "$1" in
${cases((n) => [`    ${q(n.path)}) ${print} ${lines(n.options)} ;;`])}
  esac
}

${fn}_option_values() {
  case "$1|$2" in
${cases((n) => n.valueOptions.map((o) => `    ${q(`${n.path}|${o.name}`)}) echo ${q(values(o.values))} ;;`))}
    *) return 1 ;;
  esac
}

${fn}_argument() {
  case "$1|$2" in
${cases((n) => n.args.map((a, i) => `    ${q(`${n.path}|${i}`)}) echo ${q(values(a))} ;;`))}
  esac
}`;
}

function bashScript(bin: string, fn: string, nodes: CommandNode[]): string {
  return `# bash completion for ${bin}, generated from its commands by \`${bin} completion bash\`.
# Load it with:  source <(${bin} completion bash)

${lookups(fn, nodes, "bash")}

# Offers the values printed by a lookup: file names for __files__, else the words.
${fn}_values() {
  if [[ "$1" == __files__ ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=( $(compgen -f -- "$2") )
  else
    COMPREPLY=( $(compgen -W "$1" -- "$2") )
  fi
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" word values i=1 argn=0
  COMPREPLY=()
  # Walk the words before the cursor: subcommands extend the path, an option that takes a
  # value consumes the next word, anything else is a positional argument.
  while (( i < COMP_CWORD )); do
    word="\${COMP_WORDS[i]}"
    if [[ "$word" == -* ]]; then
      if [[ "$word" != *=* ]] && ${fn}_option_values "$cmdpath" "$word" >/dev/null; then
        prev="$word"
        (( i++ ))
        continue
      fi
    elif [[ " $(${fn}_subcommands "$cmdpath") " == *" $word "* ]]; then
      cmdpath="\${cmdpath:+$cmdpath }$word"
      argn=0
    else
      (( argn++ ))
    fi
    prev=""
    (( i++ ))
  done
  if [[ -n "$prev" ]]; then
    values="$(${fn}_option_values "$cmdpath" "$prev")"
    ${fn}_values "$values" "$cur"
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$(${fn}_options "$cmdpath")" -- "$cur") )
    return 0
  fi
  values="$(${fn}_subcommands "$cmdpath")"
  if [[ -n "$values" ]]; then
    COMPREPLY=( $(compgen -W "$values" -- "$cur") )
    return 0
  fi
  values="$(${fn}_argument "$cmdpath" "$argn")"
  [[ -n "$values" ]] && ${fn}_values "$values" "$cur"
  return 0
}

complete -F ${fn} ${bin}
`;
}

function zshScript(bin: string, fn: string, nodes: CommandNode[]): string {
  return `#compdef ${bin}
# zsh completion for ${bin}, generated from its commands by \`${bin} completion zsh\`.
# Load it (after compinit) with:  source <(${bin} completion zsh)

${lookups(fn, nodes, "zsh")}

# Offers the values printed by a lookup: file names for __files__, else the words.
${fn}_values() {
  if [[ "$1" == __files__ ]]; then
    _files
  else
    compadd -- \${=1}
  fi
}

${fn}() {
  # The command path is "cmdpath": in zsh, $path is the PATH array.
  local cur=\${words[CURRENT]} prev="" cmdpath="" word values i=2 argn=0
  local -a subs names opts
  # Walk the words before the cursor: subcommands extend the path, an option that takes a
  # value consumes the next word, anything else is a positional argument.
  while (( i < CURRENT )); do
    word=\${words[i]}
    subs=( \${(f)"$(${fn}_subcommands "$cmdpath")"} )
    names=( \${subs%%:*} )
    if [[ "$word" == -* ]]; then
      if [[ "$word" != *=* ]] && ${fn}_option_values "$cmdpath" "$word" >/dev/null; then
        prev=$word
        (( i++ ))
        continue
      fi
    elif (( \${names[(Ie)$word]} )); then
      cmdpath=\${cmdpath:+$cmdpath }$word
      argn=0
    else
      (( argn++ ))
    fi
    prev=""
    (( i++ ))
  done
  if [[ -n "$prev" ]]; then
    values=$(${fn}_option_values "$cmdpath" "$prev")
    ${fn}_values "$values"
    return
  fi
  if [[ "$cur" == -* ]]; then
    opts=( \${(f)"$(${fn}_options "$cmdpath")"} )
    _describe -t options option opts
    return
  fi
  subs=( \${(f)"$(${fn}_subcommands "$cmdpath")"} )
  if (( \${#subs} )); then
    _describe -t commands command subs
    return
  fi
  values=$(${fn}_argument "$cmdpath" "$argn")
  [[ -n "$values" ]] && ${fn}_values "$values"
}

compdef ${fn} ${bin}
`;
}

export function completionScript(program: Command, shell: Shell): string {
  const bin = program.name();
  const fn = `_${bin.replace(/[^A-Za-z0-9]/g, "_")}`;
  const nodes = commandTree(program);
  return shell === "bash" ? bashScript(bin, fn, nodes) : zshScript(bin, fn, nodes);
}

/** `completion bash|zsh`: prints the script for the program this command belongs to. */
export function registerCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script (bash: source <(engram-cli completion bash))")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
}
