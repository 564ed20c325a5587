/**
 * What the JSON-per-key interfaces share: decoding the keys a schema knows (a non-JSON value fails
 * the databag) and one message naming the first field that does not validate.
 */
import type * as z from "zod/mini";
import "../zod_en.ts";

export type Databag = Readonly<Record<string, string>>;

/** JSON-decodes the known keys; others (Juju's own, newer fields) are ignored. `""` is how Juju
 * deletes a key, so it reads as absent. */
export function decodeJsonFields(
  data: Databag,
  keys: readonly string[],
  where: string,
  fail: (message: string) => Error,
): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const key of keys) {
    const raw = data[key];
    if (raw === undefined || raw === "") continue;
    try {
      decoded[key] = JSON.parse(raw);
    } catch {
      throw fail(`${where} field "${key}" is not JSON: ${JSON.stringify(raw.slice(0, 50))}`);
    }
  }
  return decoded;
}

/** `a.b[0].c` for a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")
    .slice(1);
}

/** `<where> field "<path>" is missing` or `… <zod's message>` for the first issue. */
export function issueMessage(error: z.core.$ZodError, value: unknown, where: string): string {
  const issue = error.issues[0];
  let present: unknown = value;
  for (const key of issue.path) {
    present = (present as Record<PropertyKey, unknown> | undefined)?.[key];
  }
  const field = issue.path.length ? `field "${fieldPath(issue.path)}"` : "data";
  const missing = present === undefined;
  return `${where} ${field} ${missing ? "is missing" : issue.message}`;
}

const TRUE = new Set(["true", "yes", "on", "1", "t", "y"]);
const FALSE = new Set(["false", "no", "off", "0", "f", "n"]);

/** pydantic's lax bool, as the Python libraries decode it: booleans, 0/1 and the usual words in
 * any case; anything else is undefined. */
export function laxBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value !== "string") return undefined;
  const lower = value.toLowerCase();
  return TRUE.has(lower) ? true : FALSE.has(lower) ? false : undefined;
}
