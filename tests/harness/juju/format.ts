/**
 * Output formatting of Juju's hook tools (juju/cmd formatters): Go `encoding/json` for `json`,
 * YAML for `yaml`, and the `smart` format, so the fake prints byte-for-byte what Juju prints.
 */

import { stringify as stringifyYaml } from "yaml";

/** Objects that Go marshals from a struct: fields keep their declared order instead of sorting. */
const structs = new WeakSet<object>();

/** Marks an object as a Go struct (field order kept, not sorted like a map). */
export function goStruct<T extends object>(value: T): T {
  structs.add(value);
  return value;
}

function jsonString(value: string): string {
  // Go escapes HTML-significant characters and the JS line separators.
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** Go `json.Marshal`: compact, map keys sorted, `<>&` escaped, nil (undefined/null) as `null`. */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return jsonString(value);
    case "number":
      // JS and Go both print the shortest round-trip form (1.0 -> 1, 1e21 -> 1e+21).
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      if (!structs.has(value)) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${jsonString(k)}:${goJson(v)}`).join(",")}}`;
    }
    default:
      return "null";
  }
}

/** YAML as Go's yaml.v2 would print it (keys of maps sorted). */
export function goYaml(value: unknown): string {
  if (value === null || value === undefined) return "null\n";
  return stringifyYaml(value, { sortMapEntries: true, lineWidth: 0 });
}

/** The formats a hook tool can print. */
export type OutputFormat = "smart" | "json" | "yaml";

/** juju/cmd `smart`: strings raw, string lists one per line, bools as True/False, else YAML. */
function smart(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("\n");
  return goYaml(value);
}

/** Formats a tool's result like juju/cmd Output.Write: a trailing newline unless empty. */
export function formatOutput(value: unknown, format: OutputFormat): string {
  const text = format === "json" ? goJson(value) : format === "yaml" ? goYaml(value) : smart(value);
  if (text === "" || text.endsWith("\n")) return text;
  return `${text}\n`;
}
