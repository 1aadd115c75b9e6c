import { parseArgs, type ParseArgsOptionDescriptor } from "node:util";

/**
 * The one command-line shape every `npm run <command>` in scripts/ shares: node:util parseArgs underneath,
 * `-h`/`--help` on every command, and one usage text per command built from the same table the parser
 * reads, so the help can never list an option the parser does not take, nor miss one.
 */
export interface OptionSpec extends ParseArgsOptionDescriptor {
  /** One line: what the option does. */
  help: string;
  /** The placeholder shown after a string option (`--stack NAME`). */
  value?: string;
  /** Missing → the usage error "--x is required". parseArgs itself knows no required options. */
  required?: boolean;
}

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** How a user starts it, e.g. "npm run render --". */
  command: string;
  /** One sentence on what it does. */
  summary: string;
  /** The docs page that explains it, relative to the repository root. */
  doc: `docs/${string}.md`;
  options: O;
  /** Positional arguments as the synopsis shows them ("<name>", "up | down | status"); absent: none taken. */
  positionals?: { synopsis: string; help: string; count: number };
}

/** Declares a command; `const` keeps each option's literal type, so the parsed values are typed exactly. */
export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

export const HELP_OPTION = { type: "boolean", short: "h", help: "print this help and exit" } as const satisfies OptionSpec;

type Parsed<O extends Record<string, OptionSpec>> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true; args: string[] }>>;

export type CommandLine<O extends Record<string, OptionSpec>> =
  | { kind: "run"; values: Parsed<O>["values"]; positionals: string[] }
  | { kind: "help"; text: string }
  | { kind: "error"; text: string };

function optionLabel(name: string, spec: OptionSpec): string {
  const long = `--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : long;
}

function synopsisPart(name: string, spec: OptionSpec): string {
  const text = `--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
  const repeated = spec.multiple ? `${text}...` : text;
  return spec.required ? repeated : `[${repeated}]`;
}

/** The usage text: synopsis, summary, one line per option (help included), and the docs page. */
export function usageText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
  const options: [string, OptionSpec][] = [...Object.entries(spec.options), ["help", HELP_OPTION]];
  const synopsis = [spec.command, ...(spec.positionals ? [spec.positionals.synopsis] : []), ...options.filter(([name]) => name !== "help").map(([name, option]) => synopsisPart(name, option))];
  const rows: [string, string][] = [...(spec.positionals ? [[spec.positionals.synopsis, spec.positionals.help] as [string, string]] : []), ...options.map(([name, option]): [string, string] => {
    const notes = [option.multiple ? "repeatable" : "", option.default !== undefined && option.type === "string" ? `default ${String(option.default)}` : ""].filter(Boolean);
    return [optionLabel(name, option), `${option.help}${notes.length ? ` (${notes.join("; ")})` : ""}`];
  })];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `usage: ${synopsis.join(" ")}`,
    "",
    spec.summary,
    "",
    "options:",
    ...rows.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`),
    "",
    `docs: ${spec.doc}`,
  ].join("\n");
}

/** `-h` or `--help` before any `--`: help wins over every other problem on the line. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/** A usage error as every command prints it: the command's name, the problem, then its usage. */
function errorText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, message: string): string {
  const name = spec.command.replace(/^npm run /, "").replace(/ --$/, "");
  return `${name}: ${message}\n\n${usageText(spec)}`;
}

/** Parses `args` against the spec; never prints and never exits, so it can be tested as it is. */
export function parseCommandLine<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, args: string[]): CommandLine<O> {
  if (asksForHelp(args)) return { kind: "help", text: usageText(spec) };
  const fail = (message: string): CommandLine<O> => ({ kind: "error", text: errorText(spec, message) });
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ options: spec.options, allowPositionals: true, strict: true, args }) as Parsed<O>;
  } catch (error) {
    return fail((error as Error).message);
  }
  const values = parsed.values as Record<string, unknown>;
  const missing = Object.entries(spec.options).filter(([option, optionSpec]) => optionSpec.required && values[option] === undefined);
  if (missing.length) return fail(missing.map(([option]) => `--${option} is required`).join("; "));
  const expected = spec.positionals?.count ?? 0;
  if (parsed.positionals.length !== expected) {
    return fail(
      expected === 0
        ? `unexpected argument${parsed.positionals.length > 1 ? "s" : ""} ${parsed.positionals.map((arg) => `'${arg}'`).join(" ")}`
        : `expected ${spec.positionals?.synopsis}, got ${parsed.positionals.length ? parsed.positionals.map((arg) => `'${arg}'`).join(" ") : "nothing"}`,
    );
  }
  return { kind: "run", values: parsed.values, positionals: parsed.positionals };
}

/** Exit status of a command line the command cannot run: the conventional "usage error". */
export const USAGE_ERROR = 2;

/** For a value the parser accepts but the command does not (a port that is not a number, say): as a parse error. */
export function usageError<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, message: string): never {
  console.error(errorText(spec, message));
  process.exit(USAGE_ERROR);
}

/**
 * For a script's entry point: parses process.argv, prints the help (stdout, exit 0) or the error with the
 * usage (stderr, exit 2), and returns the values only when the command should run.
 */
export function commandLine<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, args: string[] = process.argv.slice(2)): { values: Parsed<O>["values"]; positionals: string[] } {
  const line = parseCommandLine(spec, args);
  if (line.kind === "help") {
    console.log(line.text);
    process.exit(0);
  }
  if (line.kind === "error") {
    console.error(line.text);
    process.exit(USAGE_ERROR);
  }
  return line;
}

/**
 * For a check's entry point (a lint or a gate): exits with what `main` returns (0 clean, 1 findings), or with
 * 2 naming the error when the check itself could not run, so CI tells a finding from a broken check.
 */
export function runCheck(name: string, main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (error: Error) => {
        console.error(`${name} failed: ${error.message}`);
        process.exit(2);
      },
    );
}
