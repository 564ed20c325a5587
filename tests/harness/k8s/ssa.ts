/**
 * Server-side apply and managed fields, modelled on structured-merge-diff semantics:
 *
 * - a field set is a set of paths (`f:name`, `k:{"name":"a"}`, `v:"x"`) to leaves, atomic
 *   values and list items; it is stored as `FieldsV1` in `metadata.managedFields`;
 * - an apply merges the configuration into the live object (list-maps by key, sets by value,
 *   atomic lists wholesale), reports conflicts with other managers' fields whose value would
 *   change (unless forced, which moves ownership), and removes fields the same manager applied
 *   before but left out this time, unless another manager also owns them;
 * - any other write ("Update") gives its manager the fields it changed and takes them from
 *   everyone else; fields it removed are dropped from every set.
 *
 * List semantics come from the schema (`x-kubernetes-list-type`, `-list-map-keys`,
 * `-map-type`); where there is no schema, objects are granular and lists atomic.
 */

import { isObject, type JsonObject } from "./errors.ts";
import { clone, jsonEqual, mapKeyOf, propertySchema, type Schema } from "./schema.ts";

/** A path as a list of FieldsV1 element strings. */
export type Path = string[];

const SEP = "\u0000";

function enc(p: Path): string {
  return p.join(SEP);
}

function dec(s: string): Path {
  return s === "" ? [] : s.split(SEP);
}

/** Schema of ObjectMeta's mergeable fields. */
export const META_SCHEMA: Schema = {
  type: "object",
  properties: {
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
    finalizers: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
    ownerReferences: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["uid"],
      items: { type: "object" },
    },
  },
};

/** Metadata fields that managed fields never track. */
const META_TRACKED = new Set(["labels", "annotations", "finalizers", "ownerReferences"]);

function listType(s: Schema | undefined): "atomic" | "set" | "map" {
  return s?.["x-kubernetes-list-type"] ?? "atomic";
}

function isAtomicMap(s: Schema | undefined): boolean {
  return s?.["x-kubernetes-map-type"] === "atomic";
}

function keyElement(item: unknown, s: Schema | undefined): string {
  const keys = s?.["x-kubernetes-list-map-keys"] ?? [];
  const k = mapKeyOf(item, keys, s?.items);
  const sorted: JsonObject = {};
  for (const name of Object.keys(k).sort()) sorted[name] = k[name];
  return `k:${JSON.stringify(sorted)}`;
}

function valueElement(item: unknown): string {
  return `v:${JSON.stringify(item)}`;
}

/** Children to walk for a (root) object: skips untracked metadata and top-level type fields. */
function entriesOf(value: JsonObject, root: boolean): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (root && (k === "apiVersion" || k === "kind")) continue;
    if (root && k === "metadata" && isObject(v)) {
      const m: JsonObject = {};
      for (const [mk, mv] of Object.entries(v)) if (META_TRACKED.has(mk)) m[mk] = mv;
      if (Object.keys(m).length > 0) out.push([k, m]);
      continue;
    }
    out.push([k, v]);
  }
  return out;
}

function childSchema(s: Schema | undefined, key: string, root: boolean): Schema | undefined {
  if (root && key === "metadata") return META_SCHEMA;
  return propertySchema(s, key);
}

/** The set of paths an applied configuration (or any object) specifies. */
export function fieldSetOf(value: unknown, s: Schema | undefined): Set<string> {
  const out = new Set<string>();
  walkSet(value, s, [], out, true);
  return out;
}

function walkSet(
  value: unknown,
  s: Schema | undefined,
  path: Path,
  out: Set<string>,
  root = false,
): void {
  if (Array.isArray(value)) {
    const lt = listType(s);
    if (lt === "atomic") {
      out.add(enc(path));
    } else if (lt === "set") {
      for (const item of value) out.add(enc([...path, valueElement(item)]));
    } else {
      for (const item of value) {
        const p = [...path, keyElement(item, s)];
        out.add(enc(p));
        walkSet(item, s?.items, p, out);
      }
    }
    return;
  }
  if (isObject(value) && !isAtomicMap(s)) {
    const entries = entriesOf(value, root);
    if (entries.length === 0 && !root) {
      out.add(enc(path));
      return;
    }
    for (const [k, v] of entries) walkSet(v, childSchema(s, k, root), [...path, `f:${k}`], out);
    return;
  }
  out.add(enc(path));
}

interface Located {
  found: boolean;
  value?: unknown;
}

/** The value at a path, if present. */
export function valueAt(obj: unknown, path: Path, s: Schema | undefined): Located {
  let cur: unknown = obj;
  let sch = s;
  let root = true;
  for (const el of path) {
    if (el.startsWith("f:")) {
      const k = el.slice(2);
      if (!isObject(cur) || !Object.hasOwn(cur, k) || cur[k] === undefined) return { found: false };
      sch = childSchema(sch, k, root);
      cur = cur[k];
    } else if (el.startsWith("k:")) {
      if (!Array.isArray(cur)) return { found: false };
      const listSchema = sch;
      const item = cur.find((it) => keyElement(it, listSchema) === el);
      if (item === undefined) return { found: false };
      cur = item;
      sch = sch?.items;
    } else if (el.startsWith("v:")) {
      if (!Array.isArray(cur)) return { found: false };
      const item = cur.find((it) => valueElement(it) === el);
      if (item === undefined) return { found: false };
      cur = item;
      sch = sch?.items;
    } else {
      return { found: false };
    }
    root = false;
  }
  return { found: true, value: cur };
}

/** Merges an applied configuration into the live value (neither input is modified). */
export function merge(live: unknown, config: unknown, s: Schema | undefined, root = true): unknown {
  if (Array.isArray(config)) {
    const lt = listType(s);
    if (lt === "atomic" || !Array.isArray(live)) {
      if (lt === "atomic") return clone(config);
      return merge([], config, s, false);
    }
    const out = clone(live) as unknown[];
    if (lt === "set") {
      for (const item of config) {
        if (!out.some((x) => jsonEqual(x, item))) out.push(clone(item));
      }
      return out;
    }
    for (const item of config) {
      const k = keyElement(item, s);
      const idx = out.findIndex((x) => keyElement(x, s) === k);
      if (idx >= 0) out[idx] = merge(out[idx], item, s?.items, false);
      else out.push(merge(undefined, item, s?.items, false));
    }
    return out;
  }
  if (isObject(config) && !isAtomicMap(s)) {
    const out: JsonObject = isObject(live) ? clone(live) : {};
    for (const [k, v] of Object.entries(config)) {
      if (v === undefined) continue;
      out[k] = merge(out[k], v, childSchema(s, k, root), false);
    }
    return out;
  }
  return clone(config);
}

/**
 * Removes the given paths from `obj` (in place). A path is kept when `keep` holds a path
 * below it (another manager still owns part of it). Objects emptied by the removal are removed
 * too unless `keep` owns them.
 */
export function removePaths(
  obj: JsonObject,
  remove: Set<string>,
  keep: Set<string>,
  s: Schema | undefined,
): void {
  const keepList = [...keep];
  // Shallowest first: a removed list item takes its fields with it (its key fields must still
  // be there to find it), and descendants of a removed path need no separate work.
  const paths = [...remove].map(dec).sort((a, b) => a.length - b.length);
  const removed: string[] = [];
  for (const p of paths) {
    const key = enc(p);
    if (removed.some((r) => key.startsWith(r + SEP))) continue;
    if (keepList.some((k) => k.startsWith(key + SEP))) continue;
    deleteAt(obj, p, s);
    removed.push(key);
    // Remove now-empty objects above, up to the first list item or owned node.
    for (let n = p.length - 1; n > 0; n--) {
      const parent = p.slice(0, n);
      const last = parent[parent.length - 1];
      if (!last.startsWith("f:")) break;
      if (keep.has(enc(parent)) || remove.has(enc(parent))) break;
      const at = valueAt(obj, parent, s);
      if (!at.found || !isObject(at.value) || Object.keys(at.value).length > 0) break;
      deleteAt(obj, parent, s);
    }
  }
}

function deleteAt(obj: JsonObject, path: Path, s: Schema | undefined): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1), s);
  if (!parent.found) return;
  const el = path[path.length - 1];
  const container = parent.value;
  if (el.startsWith("f:") && isObject(container)) {
    delete container[el.slice(2)];
  } else if (Array.isArray(container)) {
    const listSchema = schemaAt(path.slice(0, -1), s);
    const idx = container.findIndex((it) =>
      el.startsWith("k:") ? keyElement(it, listSchema) === el : valueElement(it) === el
    );
    if (idx >= 0) container.splice(idx, 1);
  }
}

function schemaAt(path: Path, s: Schema | undefined): Schema | undefined {
  let sch = s;
  let root = true;
  for (const el of path) {
    sch = el.startsWith("f:") ? childSchema(sch, el.slice(2), root) : sch?.items;
    root = false;
  }
  return sch;
}

/** True when the path names a list item (its value is compared by presence only). */
function isItemPath(p: Path): boolean {
  const last = p[p.length - 1] ?? "";
  return last.startsWith("k:") || last.startsWith("v:");
}

/** The paths an Update changed: `changed` (added or modified) and `removed`. */
export function diff(
  oldV: unknown,
  newV: unknown,
  s: Schema | undefined,
): { changed: Set<string>; removed: Set<string> } {
  const changed = new Set<string>();
  const removed = new Set<string>();
  walkDiff(oldV, newV, s, [], changed, removed, true);
  return { changed, removed };
}

function addAll(v: unknown, s: Schema | undefined, path: Path, out: Set<string>): void {
  const sub = new Set<string>();
  walkSet(v, s, path, sub);
  for (const p of sub) out.add(p);
  // An added map (labels, selector, ...) is itself a member, shown as "." in FieldsV1.
  if (isObject(v) && s && isObject(s.additionalProperties) && path.length > 0) out.add(enc(path));
}

function walkDiff(
  a: unknown,
  b: unknown,
  s: Schema | undefined,
  path: Path,
  changed: Set<string>,
  removed: Set<string>,
  root = false,
): void {
  if (Array.isArray(a) && Array.isArray(b) && listType(s) !== "atomic") {
    const lt = listType(s);
    const elem = (it: unknown) => (lt === "set" ? valueElement(it) : keyElement(it, s));
    const aMap = new Map(a.map((it) => [elem(it), it]));
    const bMap = new Map(b.map((it) => [elem(it), it]));
    for (const [k, it] of bMap) {
      const p = [...path, k];
      if (!aMap.has(k)) {
        changed.add(enc(p));
        if (lt === "map") addAll(it, s?.items, p, changed);
      } else if (lt === "map") {
        walkDiff(aMap.get(k), it, s?.items, p, changed, removed);
      }
    }
    for (const [k, it] of aMap) {
      if (bMap.has(k)) continue;
      const p = [...path, k];
      removed.add(enc(p));
      if (lt === "map") addAll(it, s?.items, p, removed);
    }
    return;
  }
  if (isObject(a) && isObject(b) && !isAtomicMap(s)) {
    const ea = new Map(entriesOf(a, root));
    const eb = new Map(entriesOf(b, root));
    for (const [k, v] of eb) {
      const cs = childSchema(s, k, root);
      const p = [...path, `f:${k}`];
      if (!ea.has(k)) addAll(v, cs, p, changed);
      else walkDiff(ea.get(k), v, cs, p, changed, removed);
    }
    for (const [k, v] of ea) {
      if (eb.has(k)) continue;
      const p = [...path, `f:${k}`];
      addAll(v, childSchema(s, k, root), p, removed);
      removed.add(enc(p));
    }
    if (ea.size > 0 && eb.size === 0 && !root) changed.add(enc(path));
    return;
  }
  if (!jsonEqual(a, b)) {
    if (b === undefined) removed.add(enc(path));
    else addAll(b, s, path, changed);
  }
}

// ---------------------------------------------------------------------------------------------
// Managed fields entries

/** One manager's entry (the decoded form of a `managedFields` item). */
export interface ManagerEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  subresource?: string;
  set: Set<string>;
}

/** Encodes a field set as FieldsV1 JSON. */
export function toFieldsV1(set: Set<string>): JsonObject {
  const root: JsonObject = {};
  const paths = [...set].map(dec).sort((a, b) => a.length - b.length);
  for (const p of paths) {
    let node = root;
    for (const el of p) {
      if (!isObject(node[el])) node[el] = {};
      node = node[el] as JsonObject;
    }
    if (p.length > 0) {
      // Mark membership; a leaf with no children is just `{}`, see normalise below.
      node["."] = {};
    }
  }
  return normaliseFieldsV1(root);
}

function normaliseFieldsV1(node: JsonObject): JsonObject {
  const out: JsonObject = {};
  const keys = Object.keys(node).filter((k) => k !== ".");
  for (const k of keys.sort()) {
    const child = node[k] as JsonObject;
    const childKeys = Object.keys(child).filter((c) => c !== ".");
    if (childKeys.length === 0) out[k] = {};
    else {
      const n = normaliseFieldsV1(child);
      out[k] = Object.hasOwn(child, ".") ? { ".": {}, ...n } : n;
    }
  }
  return out;
}

/** Decodes FieldsV1 JSON into a field set. */
export function fromFieldsV1(f: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: Path) => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) out.add(enc(path));
    for (const k of keys) {
      if (k === ".") out.add(enc(path));
      else walk(node[k], [...path, k]);
    }
  };
  walk(f, []);
  return out;
}

/** Reads `metadata.managedFields` of a stored object. */
export function readManagedFields(obj: JsonObject): ManagerEntry[] {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const mf = Array.isArray(meta.managedFields) ? meta.managedFields : [];
  const out: ManagerEntry[] = [];
  for (const e of mf) {
    if (!isObject(e) || typeof e.manager !== "string") continue;
    out.push({
      manager: e.manager,
      operation: e.operation === "Apply" ? "Apply" : "Update",
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      time: typeof e.time === "string" ? e.time : "",
      subresource: typeof e.subresource === "string" ? e.subresource : undefined,
      set: fromFieldsV1(e.fieldsV1),
    });
  }
  return out;
}

/** Encodes entries as `metadata.managedFields` (entries with empty sets are dropped). */
export function writeManagedFields(entries: ManagerEntry[]): JsonObject[] {
  return entries.filter((e) => e.set.size > 0).map((e) => {
    const o: JsonObject = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(e.set),
    };
    if (e.subresource) o.subresource = e.subresource;
    return o;
  });
}

function sameEntry(e: ManagerEntry, manager: string, op: string, sub: string | undefined): boolean {
  return e.manager === manager && e.operation === op && (e.subresource ?? "") === (sub ?? "");
}

/** How a manager is named in conflict messages. */
function describeManager(e: ManagerEntry): string {
  return e.operation === "Update" ? `"${e.manager}" using ${e.apiVersion}` : `"${e.manager}"`;
}

/** Restricts a set to paths under `f:status` (status subresource) or outside it (main). */
export function scopeSet(set: Set<string>, subresource: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const p of set) {
    const underStatus = p === "f:status" || p.startsWith(`f:status${SEP}`);
    if ((subresource === "status") === underStatus) out.add(p);
  }
  return out;
}

export interface ApplyInput {
  live: JsonObject | undefined;
  config: JsonObject;
  schema: Schema | undefined;
  entries: ManagerEntry[];
  manager: string;
  apiVersion: string;
  force: boolean;
  now: string;
  subresource?: string;
  /** Restrict ownership to the main resource or to status (kinds with a status subresource). */
  scoped: boolean;
}

export interface ApplyResult {
  object: JsonObject;
  entries: ManagerEntry[];
  conflicts: { manager: string; field: string }[];
}

/** Server-side apply: merge, detect conflicts, take ownership, remove dropped fields. */
export function apply(input: ApplyInput): ApplyResult {
  const { live, config, schema, manager, subresource } = input;
  let applied = fieldSetOf(config, schema);
  if (input.scoped) applied = scopeSet(applied, subresource);
  const base: JsonObject = live ? clone(live) : {};
  const merged = merge(base, config, schema) as JsonObject;

  const entries = input.entries.map((e) => ({ ...e, set: new Set(e.set) }));
  const mine = entries.find((e) => sameEntry(e, manager, "Apply", subresource));
  const others = entries.filter((e) => e !== mine);

  const changed = new Set<string>();
  for (const p of applied) {
    const path = dec(p);
    const before = valueAt(base, path, schema);
    if (isItemPath(path)) {
      if (!before.found) changed.add(p);
      continue;
    }
    const after = valueAt(merged, path, schema);
    if (!before.found || !jsonEqual(before.value, after.value)) changed.add(p);
  }
  const conflicts: { manager: string; field: string }[] = [];
  for (const o of others) {
    for (const p of o.set) {
      if (changed.has(p)) {
        conflicts.push({ manager: describeManager(o), field: pathString(dec(p)) });
      }
    }
  }
  if (conflicts.length > 0 && !input.force) {
    return { object: merged, entries: input.entries, conflicts };
  }
  if (input.force) {
    for (const o of others) for (const p of changed) o.set.delete(p);
  }
  const othersUnion = new Set<string>();
  for (const o of others) for (const p of o.set) othersUnion.add(p);
  const previous = mine?.set ?? new Set<string>();
  const toRemove = new Set<string>();
  for (const p of previous) if (!applied.has(p) && !othersUnion.has(p)) toRemove.add(p);
  const keep = new Set([...othersUnion, ...applied]);
  removePaths(merged, toRemove, keep, schema);

  const setChanged = !mine || mine.set.size !== applied.size ||
    [...applied].some((p) => !mine.set.has(p));
  const entry: ManagerEntry = {
    manager,
    operation: "Apply",
    apiVersion: input.apiVersion,
    time: setChanged || !mine ? input.now : mine.time,
    set: applied,
  };
  if (subresource) entry.subresource = subresource;
  const out = mine ? entries.map((e) => (e === mine ? entry : e)) : [...entries, entry];
  return { object: merged, entries: out, conflicts: [] };
}

/** Managed-fields bookkeeping for a non-apply write (create, update, patch). */
export function update(
  oldObj: JsonObject | undefined,
  newObj: JsonObject,
  schema: Schema | undefined,
  entriesIn: ManagerEntry[],
  manager: string,
  apiVersion: string,
  now: string,
  subresource: string | undefined,
  scoped: boolean,
): ManagerEntry[] {
  let { changed, removed } = diff(oldObj ?? {}, newObj, schema);
  if (scoped) {
    changed = scopeSet(changed, subresource);
    removed = scopeSet(removed, subresource);
  }
  const entries = entriesIn.map((e) => ({ ...e, set: new Set(e.set) }));
  let mine = entries.find((e) => sameEntry(e, manager, "Update", subresource));
  for (const e of entries) {
    for (const p of removed) e.set.delete(p);
    if (e !== mine) { for (const p of changed) e.set.delete(p); }
  }
  if (changed.size === 0) return entries;
  if (!mine) {
    mine = { manager, operation: "Update", apiVersion, time: now, set: new Set() };
    if (subresource) mine.subresource = subresource;
    entries.push(mine);
  }
  const before = mine.set.size;
  for (const p of changed) mine.set.add(p);
  if (mine.set.size !== before || mine.apiVersion !== apiVersion) mine.time = now;
  mine.apiVersion = apiVersion;
  return entries;
}

/** A path in the apiserver's conflict notation: `.spec.listeners[name="a"].port`. */
export function pathString(p: Path): string {
  let out = "";
  for (const el of p) {
    const body = el.slice(2);
    if (el.startsWith("f:")) out += `.${body}`;
    else if (el.startsWith("k:")) {
      const k = JSON.parse(body) as JsonObject;
      out += `[${Object.entries(k).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(",")}]`;
    } else if (el.startsWith("v:")) out += `[=${body}]`;
    else out += `[${body}]`;
  }
  return out;
}

/**
 * The first list-map key that occurs twice in an applied configuration, as
 * `{ path: ".spec.listeners", key: '[name="a"]' }` (SMD refuses to build such a patch).
 */
export function duplicateKey(
  value: unknown,
  s: Schema | undefined,
  path: Path = [],
  root = true,
): { path: string; key: string } | undefined {
  if (Array.isArray(value)) {
    if (listType(s) === "map") {
      const seen = new Set<string>();
      for (const item of value) {
        const k = keyElement(item, s);
        if (seen.has(k)) return { path: pathString(path), key: pathString([k]) };
        seen.add(k);
      }
    }
    for (const [i, item] of value.entries()) {
      const d = duplicateKey(item, s?.items, [...path, `i:${i}`], false);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const d = duplicateKey(v, childSchema(s, k, root), [...path, `f:${k}`], false);
      if (d) return d;
    }
  }
  return undefined;
}
