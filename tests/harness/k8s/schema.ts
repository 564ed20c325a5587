/**
 * Structural OpenAPI v3 schemas as used by CustomResourceDefinitions: pruning of unknown fields,
 * defaulting, OpenAPI value validation (types, enum, pattern, lengths, ranges, item counts,
 * required, oneOf/anyOf/not, formats), list-type invariants (map keys unique, sets unique) and
 * `x-kubernetes-validations` CEL rules, in the order the apiextensions apiserver runs them.
 * Error messages follow the apiserver's (kube-openapi "in body should ..." texts converted to
 * field errors).
 */

import { CelError, evaluate, isIP, isTransitionRule, re2 } from "./cel.ts";
import {
  duplicate,
  type FieldError,
  goMapLiteral,
  invalid,
  isObject,
  type JsonObject,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from "./errors.ts";

/** One `x-kubernetes-validations` entry. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
}

/** The subset of an OpenAPI v3 schema that structural CRD schemas use. */
export interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  default?: unknown;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: CelRule[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

/** Deep copy of JSON data. */
export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Deep equality of JSON data (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** The schema of a property, or of map values, or undefined when the field is not declared. */
export function propertySchema(s: Schema | undefined, key: string): Schema | undefined {
  if (!s) return undefined;
  if (s.properties && Object.hasOwn(s.properties, key)) return s.properties[key];
  if (isObject(s.additionalProperties)) return s.additionalProperties as Schema;
  return undefined;
}

function preservesUnknown(s: Schema): boolean {
  return s["x-kubernetes-preserve-unknown-fields"] === true || s.additionalProperties === true;
}

// ---------------------------------------------------------------------------------------------
// Pruning

/**
 * Removes fields not declared in the schema (in place) and returns their paths, e.g.
 * `spec.listeners[0].foo`. `metadata` is left alone: the caller handles ObjectMeta.
 */
export function prune(value: unknown, s: Schema, path = ""): string[] {
  const out: string[] = [];
  pruneInto(value, s, path, out, true);
  return out;
}

function pruneInto(value: unknown, s: Schema, path: string, out: string[], root: boolean): void {
  if (Array.isArray(value)) {
    if (s.items) {
      value.forEach((v, i) => pruneInto(v, s.items as Schema, `${path}[${i}]`, out, false));
    }
    return;
  }
  if (!isObject(value)) return;
  if (s.properties || isObject(s.additionalProperties)) {
    for (const key of Object.keys(value)) {
      if (root && (key === "apiVersion" || key === "kind" || key === "metadata")) continue;
      const child = propertySchema(s, key);
      if (!child) {
        if (!preservesUnknown(s)) {
          out.push(childPath(path, key));
          delete value[key];
        }
        continue;
      }
      pruneInto(value[key], child, childPath(path, key), out, false);
    }
  } else if (!preservesUnknown(s) && s.type === "object" && !root) {
    // An object schema with no properties keeps nothing (it must be empty).
    for (const key of Object.keys(value)) {
      out.push(childPath(path, key));
      delete value[key];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Defaulting

/**
 * Applies schema defaults in place, top-down, and drops `null`s of non-nullable fields (which
 * the apiserver prunes before defaulting). Defaults that themselves contain defaulted fields are
 * completed by the recursion.
 */
export function applyDefaults(value: unknown, s: Schema): void {
  if (Array.isArray(value)) {
    if (s.items) { for (const v of value) applyDefaults(v, s.items); }
    return;
  }
  if (!isObject(value)) return;
  if (s.properties) {
    for (const [key, ps] of Object.entries(s.properties)) {
      if (value[key] === null && !ps.nullable) delete value[key];
      if (!Object.hasOwn(value, key) && ps.default !== undefined) value[key] = clone(ps.default);
    }
  }
  for (const key of Object.keys(value)) {
    const ps = propertySchema(s, key);
    if (!ps) continue;
    if (value[key] === null && !ps.nullable) {
      delete value[key];
      continue;
    }
    applyDefaults(value[key], ps);
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI validation

function typeOfJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(t: string, v: unknown): boolean {
  const actual = typeOfJson(v);
  if (t === "number") return actual === "number" || actual === "integer";
  return t === actual;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function formatOk(format: string, v: string): boolean {
  switch (format) {
    case "ipv4":
      return isIP(v) && !v.includes(":");
    case "ipv6":
      return isIP(v) && v.includes(":");
    case "date-time":
      return DATE_TIME.test(v);
    case "hostname":
      return /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/
        .test(v) && v.length <= 253;
    default:
      return true;
  }
}

function utf8Len(s: string): number {
  return [...s].length;
}

/** Validates `value` against the schema (not CEL), appending field errors. */
export function validateValue(value: unknown, s: Schema, path: string, errs: FieldError[]): void {
  if (value === null) {
    if (!s.nullable && s.type) {
      errs.push(typeInvalid(path, null, `${path} in body must be of type ${s.type}: "null"`));
    }
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (typeof value !== "string" && !Number.isInteger(value)) {
      errs.push(
        typeInvalid(
          path,
          value,
          `${path} in body must be of type integer,string: "${typeOfJson(value)}"`,
        ),
      );
      return;
    }
  } else if (s.type && !typeMatches(s.type, value)) {
    errs.push(
      typeInvalid(
        path,
        typeOfJson(value),
        `${path} in body must be of type ${s.type}: "${typeOfJson(value)}"`,
      ),
    );
    return;
  }
  if (s.enum && !s.enum.some((e) => jsonEqual(e, value))) {
    errs.push(notSupported(path, value, s.enum));
  }
  if (typeof value === "string") {
    const n = utf8Len(value);
    if (s.maxLength !== undefined && n > s.maxLength) errs.push(tooLong(path, s.maxLength));
    if (s.minLength !== undefined && n < s.minLength) {
      errs.push(
        invalid(path, value, `${path} in body should be at least ${s.minLength} chars long`),
      );
    }
    if (s.pattern !== undefined && !re2(s.pattern).test(value)) {
      errs.push(invalid(path, value, `${path} in body should match '${s.pattern}'`));
    }
    if (s.format && !formatOk(s.format, value)) {
      errs.push(invalid(path, value, `${path} in body must be of type ${s.format}: "${value}"`));
    }
  }
  if (typeof value === "number") {
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum) {
        const rel = s.exclusiveMaximum ? "less than" : "less than or equal to";
        errs.push(invalid(path, value, `${path} in body should be ${rel} ${s.maximum}`));
      }
    }
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum) {
        const rel = s.exclusiveMinimum ? "greater than" : "greater than or equal to";
        errs.push(invalid(path, value, `${path} in body should be ${rel} ${s.minimum}`));
      }
    }
    if (s.multipleOf !== undefined && value % s.multipleOf !== 0) {
      errs.push(invalid(path, value, `${path} in body should be a multiple of ${s.multipleOf}`));
    }
    if (s.format === "int32" && (value > 2147483647 || value < -2147483648)) {
      errs.push(invalid(path, value, `${path} in body must be of type int32: "${value}"`));
    }
  }
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) {
      errs.push(tooMany(path, value.length, s.maxItems));
    }
    if (s.minItems !== undefined && value.length < s.minItems) {
      errs.push(
        invalid(path, value.length, `${path} in body should have at least ${s.minItems} items`),
      );
    }
    if (s.uniqueItems) {
      for (let i = 0; i < value.length; i++) {
        if (value.slice(0, i).some((x) => jsonEqual(x, value[i]))) {
          errs.push(duplicate(`${path}[${i}]`, JSON.stringify(value[i])));
        }
      }
    }
    if (s.items) {
      value.forEach((v, i) => validateValue(v, s.items as Schema, `${path}[${i}]`, errs));
    }
  }
  if (isObject(value)) {
    const n = Object.keys(value).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) {
      errs.push(tooMany(path, n, s.maxProperties));
    }
    if (s.minProperties !== undefined && n < s.minProperties) {
      errs.push(
        invalid(path, n, `${path} in body should have at least ${s.minProperties} properties`),
      );
    }
    for (const r of s.required ?? []) {
      if (!Object.hasOwn(value, r)) errs.push(required(childPath(path, r)));
    }
    for (const [k, v] of Object.entries(value)) {
      if (path === "" && (k === "metadata" || k === "apiVersion" || k === "kind")) continue;
      const ps = propertySchema(s, k);
      if (ps) validateValue(v, ps, childPath(path, k), errs);
    }
  }
  validateCombinators(value, s, path, errs);
}

function validateCombinators(value: unknown, s: Schema, path: string, errs: FieldError[]): void {
  const trial = (sub: Schema): FieldError[] => {
    const e: FieldError[] = [];
    validateValue(value, sub, path, e);
    return e;
  };
  if (s.allOf) { for (const sub of s.allOf) validateValue(value, sub, path, errs); }
  if (s.anyOf && !s.anyOf.some((sub) => trial(sub).length === 0)) {
    errs.push(invalid(path, value, `${path} in body must validate at least one schema (anyOf)`));
    errs.push(...trial(s.anyOf[0]));
  }
  if (s.oneOf) {
    const results = s.oneOf.map(trial);
    const ok = results.filter((r) => r.length === 0).length;
    if (ok !== 1) {
      errs.push(
        invalid(path, value, `${path} in body must validate one and only one schema (oneOf)`),
      );
      if (ok === 0) {
        // Like the real validator, report the sub-errors of the alternative that matched best:
        // the one with the most properties that validated (ties: fewest errors).
        const score = (sub: Schema) =>
          Object.entries(sub.properties ?? {}).filter(([k, ps]) =>
            isObject(value) && Object.hasOwn(value, k) &&
            (() => {
              const e: FieldError[] = [];
              validateValue(value[k], ps, childPath(path, k), e);
              return e.length === 0;
            })()
          ).length;
        let best = 0;
        for (let i = 1; i < s.oneOf.length; i++) {
          const [si, sb] = [score(s.oneOf[i]), score(s.oneOf[best])];
          if (si > sb || (si === sb && results[i].length < results[best].length)) best = i;
        }
        errs.push(...results[best]);
      }
    }
  }
  if (s.not && trial(s.not).length === 0) {
    errs.push(invalid(path, value, `${path} in body should not be valid against schema (not)`));
  }
}

// ---------------------------------------------------------------------------------------------
// List-type invariants

/** The key of a list-map item, e.g. `{"name":"a"}` (key fields in schema order). */
export function mapKeyOf(item: unknown, keys: string[], itemSchema?: Schema): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) {
    let v = isObject(item) ? item[k] : undefined;
    if (v === undefined) v = propertySchema(itemSchema, k)?.default;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Checks list-map key uniqueness and set uniqueness (the apiserver's "Duplicate value"). */
export function validateListTypes(
  value: unknown,
  s: Schema,
  path: string,
  errs: FieldError[],
): void {
  if (Array.isArray(value)) {
    const lt = s["x-kubernetes-list-type"];
    if (lt === "map") {
      const keys = s["x-kubernetes-list-map-keys"] ?? [];
      const seen: JsonObject[] = [];
      value.forEach((item, i) => {
        const k = mapKeyOf(item, keys, s.items);
        if (seen.some((x) => jsonEqual(x, k))) {
          errs.push(duplicate(`${path}[${i}]`, goMapLiteral(k)));
        }
        seen.push(k);
      });
    } else if (lt === "set") {
      value.forEach((item, i) => {
        if (value.slice(0, i).some((x) => jsonEqual(x, item))) {
          errs.push(duplicate(`${path}[${i}]`, JSON.stringify(item)));
        }
      });
    }
    if (s.items) {
      value.forEach((v, i) => validateListTypes(v, s.items as Schema, `${path}[${i}]`, errs));
    }
    return;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (path === "" && k === "metadata") continue;
      const ps = propertySchema(s, k);
      if (ps) validateListTypes(v, ps, childPath(path, k), errs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CEL rules

function celTypeName(s: Schema, v: unknown): string {
  if (s.type) return s.type;
  return typeOfJson(v);
}

/**
 * Evaluates every `x-kubernetes-validations` rule on present values. `old` is the previous
 * object (for transition rules); old values are correlated through object properties, map
 * values and list-map/set items, as the apiserver does.
 */
export function validateCel(
  value: unknown,
  old: unknown,
  s: Schema,
  path: string,
  errs: FieldError[],
): void {
  if (value === undefined) return;
  for (const rule of s["x-kubernetes-validations"] ?? []) {
    const transition = isTransitionRule(rule.rule);
    if (transition && old === undefined) continue;
    const vars: Record<string, unknown> = { self: value };
    if (transition) vars.oldSelf = old;
    const message = (rule.message ?? "").trim() || `failed rule: ${rule.rule}`;
    const field = rule.fieldPath ? `${path}${rule.fieldPath}` : path;
    try {
      const ok = evaluate(rule.rule, vars);
      if (ok !== true) {
        let msg = message;
        if (rule.messageExpression) {
          try {
            const m = evaluate(rule.messageExpression, vars);
            if (typeof m === "string" && m.trim()) msg = m;
          } catch {
            // The apiserver falls back to `message` when messageExpression fails.
          }
        }
        errs.push(celFailure(rule.reason, field, celTypeName(s, value), msg));
      }
    } catch (e) {
      const text = e instanceof CelError ? e.message : String(e);
      errs.push(invalid(field, celTypeName(s, value), `${text} evaluating rule: ${message}`));
    }
  }
  if (Array.isArray(value)) {
    if (!s.items) return;
    const lt = s["x-kubernetes-list-type"];
    const oldList = Array.isArray(old) ? old : undefined;
    value.forEach((item, i) => {
      let oldItem: unknown;
      if (oldList && lt === "map") {
        const keys = s["x-kubernetes-list-map-keys"] ?? [];
        const k = mapKeyOf(item, keys, s.items);
        oldItem = oldList.find((o) => jsonEqual(mapKeyOf(o, keys, s.items), k));
      } else if (oldList && lt === "set") {
        oldItem = oldList.find((o) => jsonEqual(o, item));
      }
      validateCel(item, oldItem, s.items as Schema, `${path}[${i}]`, errs);
    });
    return;
  }
  if (isObject(value)) {
    const oldObj = isObject(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      if (path === "" && (k === "metadata" || k === "apiVersion" || k === "kind")) continue;
      const ps = propertySchema(s, k);
      if (!ps) continue;
      const isMapValue = !(s.properties && Object.hasOwn(s.properties, k));
      const p = isMapValue ? `${path}[${k}]` : childPath(path, k);
      validateCel(v, oldObj?.[k], ps, p, errs);
    }
  }
}

function celFailure(reason: string | undefined, field: string, type: string, msg: string) {
  switch (reason) {
    case "FieldValueRequired":
      return required(field, msg);
    case "FieldValueForbidden":
      return { reason: "FieldValueForbidden" as const, field, message: `Forbidden: ${msg}` };
    case "FieldValueDuplicate":
      return duplicate(field, JSON.stringify(type));
    default:
      return invalid(field, type, msg);
  }
}

/**
 * Runs schema validation, list-type checks and then CEL rules. As in the apiserver, CEL rules
 * are skipped when a type error makes the object unsafe to evaluate, and a note says so.
 */
export function validateObject(
  obj: JsonObject,
  old: JsonObject | undefined,
  s: Schema,
): FieldError[] {
  const errs: FieldError[] = [];
  validateValue(obj, s, "", errs);
  validateListTypes(obj, s, "", errs);
  if (errs.some((e) => e.blocking)) {
    errs.push({
      reason: "FieldValueInvalid",
      field: "<nil>",
      message: 'Invalid value: "null": some validation rules were not checked because the ' +
        "object was invalid; correct the existing errors to complete validation",
    });
    return errs;
  }
  validateCel(obj, old, s, "", errs);
  return errs;
}
