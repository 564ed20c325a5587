/**
 * What the JSON-per-key interfaces share: decoding the keys a schema knows (a non-JSON value fails
 * the databag) and one message naming the first field that does not validate.
 */
import type * as z from "zod/mini";
import "../zod_en.ts";

export type Databag = Readonly<Record<string, string>>;

/** JSON-decodes the known keys; others (Juju's own, newer fields) are ignored. `""` is how Juju
 * deletes a key, so it reads as absent. The first value that is not JSON fails the databag. */
export function decodeJsonFields(
  data: Databag,
  keys: readonly string[],
  where: string,
  fail: (message: string) => Error,
): Record<string, unknown> {
  const { value, skipped } = decodeJsonFieldsLeniently(data, keys, where);
  if (skipped.length > 0) throw fail(skipped[0]);
  return value;
}

/** `a.b[0].c` for a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("")
    .slice(1);
}

/** `<where> field "<path>" is missing` or `… <zod's message>` for the first issue. */
export function issueMessage(error: z.core.$ZodError, value: unknown, where: string): string {
  return issueText(error.issues[0], value, where);
}

function issueText(
  issue: { readonly path: readonly PropertyKey[]; readonly message: string },
  value: unknown,
  where: string,
): string {
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

/** What a lenient read found: the usable part, and one message per part it had to skip. */
export interface Lenient<T> {
  readonly value: T;
  readonly skipped: readonly string[];
}

/**
 * Like `decodeJsonFields`, for data we must not fail on: a value that is not JSON is skipped
 * (reads as absent) with a message naming the field.
 */
export function decodeJsonFieldsLeniently(
  data: Databag,
  keys: readonly string[],
  where: string,
): Lenient<Record<string, unknown>> {
  const decoded: Record<string, unknown> = {};
  const skipped: string[] = [];
  for (const key of keys) {
    const raw = data[key];
    if (raw === undefined || raw === "") continue;
    try {
      decoded[key] = JSON.parse(raw);
    } catch {
      skipped.push(`${where} field "${key}" is not JSON: ${JSON.stringify(raw.slice(0, 50))}`);
    }
  }
  return { value: decoded, skipped };
}

/**
 * The entries of the list field `key` of `decoded` that `entry` accepts. An absent key is an
 * empty list; a value that is not a list, and each entry that does not validate, is skipped with
 * a message naming the field (`certificates[1].ca`).
 */
export function validEntries<T>(
  decoded: Readonly<Record<string, unknown>>,
  key: string,
  entry: z.ZodMiniType<T>,
  where: string,
): Lenient<T[]> {
  const list = decoded[key];
  if (list === undefined) return { value: [], skipped: [] };
  if (!Array.isArray(list)) {
    return { value: [], skipped: [`${where} field "${key}" must be a list`] };
  }
  const value: T[] = [];
  const skipped: string[] = [];
  list.forEach((item: unknown, index) => {
    const result = entry.safeParse(item);
    if (result.success) {
      value.push(result.data);
      return;
    }
    const issue = result.error.issues[0];
    skipped.push(issueText({ ...issue, path: [key, index, ...issue.path] }, decoded, where));
  });
  return { value, skipped };
}
