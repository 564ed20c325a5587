/**
 * The command-line grammar of Juju's hook tools (juju/gnuflag as wrapped by juju/cmd), so the fake
 * accepts and rejects exactly the argv shapes real Juju does, with the same error texts.
 */

/** One flag; several names share one value (`-r` and `--relation`). */
export interface FlagSpec {
  readonly names: readonly string[];
  readonly kind: "bool" | "string";
  /** Checked when the flag is set, like a gnuflag Value.Set; returns the reason it is invalid. */
  readonly validate?: (value: string) => string | undefined;
}

/** Flags by their first name, plus the positional arguments in order. */
export interface ParsedArgs {
  readonly strings: Map<string, string>;
  readonly bools: Map<string, boolean>;
  readonly positionals: string[];
}

/** A flag-parse failure: juju/cmd prints `ERROR <message>` and exits 2. */
export class FlagError extends Error {
  override name = "FlagError";
}

/** `-h`/`--help` was given and the tool does not define it. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
}

/** Go's `%q` for a string, close enough for error messages (JSON escapes plus `\x` for bytes). */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(" ")}]`;
}

/** How gnuflag names a flag in messages: one rune gets `-`, longer names `--`. */
export function flagWithMinus(name: string): string {
  return [...name].length > 1 ? `--${name}` : `-${name}`;
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go's strconv.ParseBool. */
export function parseGoBool(value: string): boolean | undefined {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined;
}

/**
 * Parses argv the way gnuflag does with interspersed flags allowed: `--` ends the flags, `-` and
 * `""` are positionals, `--name=value` or `--name value`, single-rune flags may be clustered and
 * take the rest of the cluster as value (so `-r=5` gives the value `=5`).
 */
export function parseGnuFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const strings = new Map<string, string>();
  const bools = new Map<string, boolean>();
  const positionals: string[] = [];

  const lookup = (name: string): FlagSpec => {
    const spec = byName.get(name);
    if (spec) return spec;
    if (name === "h" || name === "help") throw new HelpRequested();
    throw new FlagError(`option provided but not defined: ${flagWithMinus(name)}`);
  };
  const setBool = (spec: FlagSpec, name: string, value: string) => {
    const parsed = parseGoBool(value);
    if (parsed === undefined) {
      throw new FlagError(
        `invalid boolean value ${goQuote(value)} for option ${flagWithMinus(name)}: ` +
          `strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`,
      );
    }
    bools.set(spec.names[0], parsed);
  };
  const setString = (spec: FlagSpec, name: string, value: string) => {
    const reason = spec.validate?.(value);
    if (reason !== undefined) {
      throw new FlagError(
        `invalid value ${goQuote(value)} for option ${flagWithMinus(name)}: ${reason}`,
      );
    }
    strings.set(spec.names[0], value);
  };

  let i = 0;
  while (i < args.length) {
    const arg = args[i++];
    if (arg === "--") {
      positionals.push(...args.slice(i));
      break;
    }
    if (arg === "" || arg === "-" || arg[0] !== "-") {
      positionals.push(arg);
      continue;
    }
    if (arg[1] === "-") {
      const body = arg.slice(2);
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      if (name === "") throw new FlagError(`empty flag in argument ${goQuote(arg)}`);
      const spec = lookup(name);
      if (spec.kind === "bool") {
        setBool(spec, name, eq < 0 ? "true" : body.slice(eq + 1));
      } else if (eq >= 0) {
        setString(spec, name, body.slice(eq + 1));
      } else if (i < args.length) {
        setString(spec, name, args[i++]);
      } else {
        throw new FlagError(`option needs an argument: ${flagWithMinus(name)}`);
      }
      continue;
    }
    // A cluster of single-rune flags; a value flag takes the rest of the cluster, verbatim.
    let rest = [...arg.slice(1)];
    while (rest.length > 0) {
      const name = rest[0];
      rest = rest.slice(1);
      const spec = lookup(name);
      if (spec.kind === "bool" && rest[0] !== "=") {
        bools.set(spec.names[0], true);
        continue;
      }
      let value: string;
      if (rest.length > 0) {
        value = rest.join("");
        rest = [];
      } else if (i < args.length) {
        value = args[i++];
      } else {
        throw new FlagError(`option needs an argument: ${flagWithMinus(name)}`);
      }
      if (spec.kind === "bool") setBool(spec, name, value);
      else setString(spec, name, value);
    }
  }
  return { strings, bools, positionals };
}
