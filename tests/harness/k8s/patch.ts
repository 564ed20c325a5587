/**
 * Non-apply patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and the strategic
 * merge patch of built-in kinds (merge keys for the lists the fake's core kinds have; the
 * apiserver rejects it for custom resources with 415, which the server does before calling
 * here).
 */

import { ApiError, isObject, type JsonObject, statusFor } from "./errors.ts";
import { clone, jsonEqual } from "./schema.ts";

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function patchError(message: string): ApiError {
  return new ApiError(statusFor(422, "Invalid", message));
}

function parsePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw patchError(`invalid JSON pointer ${JSON.stringify(p)}`);
  return p.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

interface Slot {
  parent: unknown;
  key: string;
}

function locate(doc: unknown, tokens: string[]): Slot {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) {
      throw patchError(`doc is missing path: "/${tokens.join("/")}": missing value`);
    }
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens);
  const v = Array.isArray(parent)
    ? parent[Number(key)]
    : isObject(parent)
    ? parent[key]
    : undefined;
  if (v === undefined) {
    throw patchError(`doc is missing path: "/${tokens.join("/")}": missing value`);
  }
  return v;
}

function addAt(doc: unknown, tokens: string[], value: unknown, replace: boolean): unknown {
  if (tokens.length === 0) return clone(value);
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) {
    const idx = key === "-" ? parent.length : Number(key);
    if (
      !Number.isInteger(idx) || idx < 0 || idx > parent.length || (replace && idx >= parent.length)
    ) {
      throw patchError(`Unable to access invalid index: ${key}: invalid index referenced`);
    }
    if (replace) parent[idx] = clone(value);
    else parent.splice(idx, 0, clone(value));
  } else if (isObject(parent)) {
    if (replace && !Object.hasOwn(parent, key)) {
      throw patchError(`doc is missing key: /${tokens.join("/")}: missing value`);
    }
    parent[key] = clone(value);
  } else {
    throw patchError(`doc is missing path: "/${tokens.join("/")}": missing value`);
  }
  return doc;
}

function removeAt(doc: unknown, tokens: string[]): void {
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) {
    const idx = Number(key);
    if (!Number.isInteger(idx) || idx < 0 || idx >= parent.length) {
      throw patchError(`Unable to remove nonexistent index: ${key}: invalid index referenced`);
    }
    parent.splice(idx, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, key)) {
    delete parent[key];
  } else {
    throw patchError(`Unable to remove nonexistent key: ${key}: missing value`);
  }
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw new ApiError(
      statusFor(
        400,
        "BadRequest",
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
      ),
    );
  }
  let doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== "string" || typeof op.path !== "string") {
      throw patchError("Unexpected kind: invalid operation");
    }
    const path = parsePointer(op.path);
    switch (op.op) {
      case "add":
        doc = addAt(doc, path, op.value, false);
        break;
      case "replace":
        doc = addAt(doc, path, op.value, true);
        break;
      case "remove":
        removeAt(doc, path);
        break;
      case "move":
      case "copy": {
        const from = parsePointer(String(op.from));
        const v = clone(getAt(doc, from));
        if (op.op === "move") removeAt(doc, from);
        doc = addAt(doc, path, v, false);
        break;
      }
      case "test":
        if (!jsonEqual(getAt(doc, path), op.value)) {
          throw patchError(`testing value /${path.join("/")} failed: test failed`);
        }
        break;
      default:
        throw patchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/** Merge keys of the built-in kinds' lists, by JSON path with `[]` for list items. */
const SMP_KEYS: Record<string, string> = {
  "spec.ports": "port",
  "spec.containers": "name",
  "spec.initContainers": "name",
  "spec.volumes": "name",
  "spec.containers[].env": "name",
  "spec.containers[].ports": "containerPort",
  "spec.containers[].volumeMounts": "mountPath",
  "metadata.ownerReferences": "uid",
  "status.conditions": "type",
};

/** Lists whose primitive items merge as a set. */
const SMP_SETS = new Set(["metadata.finalizers"]);

/** Strategic merge patch for built-in kinds (`$patch: delete|replace` directives supported). */
export function strategicMergePatch(target: unknown, patch: unknown, path = ""): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    const p = path ? `${path}.${k}` : k;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v) && SMP_KEYS[p] && Array.isArray(out[k])) {
      out[k] = mergeKeyedList(out[k] as unknown[], v, SMP_KEYS[p], `${p}[]`);
    } else if (Array.isArray(v) && SMP_SETS.has(p) && Array.isArray(out[k])) {
      const list = [...(out[k] as unknown[])];
      for (const item of v) if (!list.some((x) => jsonEqual(x, item))) list.push(item);
      out[k] = list;
    } else if (Array.isArray(v)) {
      out[k] = clone(v.filter((x) => !(isObject(x) && x.$patch === "delete")));
    } else {
      out[k] = strategicMergePatch(out[k], v, p);
    }
  }
  return out;
}

function mergeKeyedList(live: unknown[], patch: unknown[], key: string, path: string): unknown[] {
  const out = clone(live);
  for (const item of patch) {
    if (!isObject(item)) continue;
    const idx = out.findIndex((x) => isObject(x) && jsonEqual(x[key], item[key]));
    if (item.$patch === "delete") {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) {
      out[idx] = strategicMergePatch(out[idx], item, path);
    } else {
      out.push(strategicMergePatch(undefined, item, path));
    }
  }
  return out;
}
