/**
 * Name and label validation with the apiserver's message texts (apimachinery `validation`
 * package behaviour: DNS-1123 labels and subdomains, DNS-1035 labels, qualified names, label
 * values), plus label-selector parsing and matching for LIST requests.
 */

import { badRequest, type FieldError, invalid, type JsonObject } from "./errors.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const IANA_SVC_NAME = /^[-a-z0-9]+$/;

const MSG_DNS1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and " +
  "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const MSG_DNS1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const MSG_DNS1035_LABEL =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " +
  "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or " +
  "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MSG_QUALIFIED_NAME =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " +
  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const MSG_LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or " +
  "'my_value',  or '12345', regex used for validation is " +
  "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const MSG_CONFIG_KEY =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. " +
  "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

function maxLen(n: number): string {
  return `must be no more than ${n} characters`;
}

/** Problems with `s` as a DNS-1123 label (namespace names, service port names). */
export function dns1123Label(s: string): string[] {
  const out: string[] = [];
  if (s.length > 63) out.push(maxLen(63));
  if (!DNS1123_LABEL.test(s)) out.push(MSG_DNS1123_LABEL);
  return out;
}

/** Problems with `s` as a DNS-1123 subdomain (most object names). */
export function dns1123Subdomain(s: string): string[] {
  const out: string[] = [];
  if (s.length > 253) out.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN.test(s)) out.push(MSG_DNS1123_SUBDOMAIN);
  return out;
}

/** Problems with `s` as a DNS-1035 label (Service names). */
export function dns1035Label(s: string): string[] {
  const out: string[] = [];
  if (s.length > 63) out.push(maxLen(63));
  if (!DNS1035_LABEL.test(s)) out.push(MSG_DNS1035_LABEL);
  return out;
}

/** Problems with a qualified name (`prefix/name`), as used for label and annotation keys. */
export function qualifiedName(s: string): string[] {
  const out: string[] = [];
  const parts = s.split("/");
  let name = s;
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) {
      out.push("prefix part must be non-empty");
    } else {
      for (const m of dns1123Subdomain(prefix)) out.push(`prefix part ${m}`);
    }
  } else if (parts.length > 2) {
    return [
      "a qualified name " + MSG_QUALIFIED_NAME.replace("name part ", "") +
      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) out.push("name part must be non-empty");
  else if (name.length > 63) out.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name)) out.push(MSG_QUALIFIED_NAME);
  return out;
}

/** Problems with a label value. */
export function labelValue(s: string): string[] {
  const out: string[] = [];
  if (s.length > 63) out.push(maxLen(63));
  if (!LABEL_VALUE.test(s)) out.push(MSG_LABEL_VALUE);
  return out;
}

/** Problems with a ConfigMap/Secret data key. */
export function configKey(s: string): string[] {
  const out: string[] = [];
  if (s.length > 253) out.push(maxLen(253));
  if (!CONFIG_KEY.test(s)) out.push(MSG_CONFIG_KEY);
  if (s === "." || s === "..") out.push(`must not be '${s}'`);
  else if (s.startsWith("..")) out.push("must not start with '..'");
  return out;
}

/** Problems with a named port (IANA_SVC_NAME: at most 15 characters, at least one letter). */
export function portName(s: string): string[] {
  const out: string[] = [];
  if (s.length > 15) out.push(maxLen(15));
  if (!IANA_SVC_NAME.test(s)) {
    out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (s.includes("--")) out.push("must not contain consecutive hyphens");
  if (!/[a-z]/.test(s)) out.push("must contain at least one letter (a-z)");
  if (s.startsWith("-") || s.endsWith("-")) out.push("must not begin or end with a hyphen");
  return out;
}

/** Field errors for a label map (`metadata.labels`, a Service selector, ...). */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof labels !== "object" || labels === null) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedName(k)) errs.push(invalid(field, k, m));
    if (typeof v !== "string") continue;
    for (const m of labelValue(v)) errs.push(invalid(field, v, m));
  }
  return errs;
}

/** Field errors for annotations: keys are qualified names, total size at most 256 KiB. */
export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof annotations !== "object" || annotations === null) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of qualifiedName(k.toLowerCase())) errs.push(invalid(field, k, m));
    total += k.length + (typeof v === "string" ? new TextEncoder().encode(v).length : 0);
  }
  if (total > 262144) {
    errs.push({
      reason: "FieldValueTooLong",
      field,
      message: "Too long: must have at most 262144 bytes",
    });
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Label selectors

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One requirement of a parsed label selector. */
export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

/** Parses a label selector string (`a=b,c!=d,e in (x,y),!f,g`); throws a 400 on bad input. */
export function parseSelector(text: string): Requirement[] {
  const tokens = tokenizeSelector(text);
  const reqs: Requirement[] = [];
  let i = 0;
  const peek = () => tokens[i];
  const fail = (msg: string): never => {
    throw badRequest(`unable to parse requirement: ${msg}`);
  };
  while (i < tokens.length) {
    let t = tokens[i++];
    if (t === "!") {
      const key = tokens[i++];
      if (key === undefined || isOperator(key)) fail(`found '${key ?? ""}', expected: identifier`);
      checkKey(key, fail);
      reqs.push({ key, op: "!", values: [] });
    } else {
      if (isOperator(t)) fail(`found '${t}', expected: !, identifier, or 'end of string'`);
      const key = t;
      checkKey(key, fail);
      t = peek();
      if (t === undefined || t === ",") {
        reqs.push({ key, op: "exists", values: [] });
      } else if (t === "=" || t === "==" || t === "!=") {
        i++;
        let value = "";
        if (peek() !== undefined && peek() !== ",") value = tokens[i++];
        if (isOperator(value)) fail(`found '${value}', expected: identifier`);
        checkValue(value, fail);
        reqs.push({ key, op: t === "!=" ? "!=" : "=", values: [value] });
      } else if (t === "in" || t === "notin") {
        i++;
        if (tokens[i++] !== "(") fail(`found '${tokens[i - 1] ?? ""}', expected: '('`);
        const values: string[] = [];
        while (peek() !== ")") {
          const v = tokens[i++];
          if (v === undefined) fail("found 'end of string', expected: ')'");
          if (v === ",") {
            continue;
          }
          checkValue(v, fail);
          values.push(v);
        }
        i++;
        if (t === "in" && values.length === 0) {
          fail("for 'in', 'notin' operators, values set can't be empty");
        }
        reqs.push({ key, op: t, values });
      } else if (t === ">" || t === "<") {
        i++;
        const v = tokens[i++] ?? "";
        if (!/^-?\d+$/.test(v)) {
          fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        reqs.push({ key, op: t === ">" ? "gt" : "lt", values: [v] });
      } else {
        fail(`found '${t}', expected: =, !=, ==, in, notin`);
      }
    }
    if (i < tokens.length) {
      if (tokens[i] !== ",") fail(`found '${tokens[i]}', expected: ',' or 'end of string'`);
      i++;
      if (i >= tokens.length) fail("found '', expected: identifier after ','");
    }
  }
  return reqs;
}

function isOperator(t: string): boolean {
  return ["=", "==", "!=", "(", ")", ",", "!", ">", "<"].includes(t);
}

function checkKey(key: string, fail: (m: string) => never): void {
  const probs = qualifiedName(key);
  if (probs.length > 0) fail(`key: Invalid value: ${JSON.stringify(key)}: ${probs.join("; ")}`);
}

function checkValue(v: string, fail: (m: string) => never): void {
  const probs = labelValue(v);
  if (probs.length > 0) fail(`values[0]: Invalid value: ${JSON.stringify(v)}: ${probs.join("; ")}`);
}

function tokenizeSelector(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "=" && text[i + 1] === "=") {
      out.push("==");
      i += 2;
    } else if (c === "!" && text[i + 1] === "=") {
      out.push("!=");
      i += 2;
    } else if ("=!(),<>".includes(c)) {
      out.push(c);
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s=!(),<>]/.test(text[j])) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** True when the labels satisfy every requirement. */
export function matchesSelector(reqs: Requirement[], labels: JsonObject | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = has ? String(l[r.key]) : undefined;
    switch (r.op) {
      case "exists":
        return has;
      case "!":
        return !has;
      case "=":
      case "in":
        return has && r.values.includes(v as string);
      case "!=":
      case "notin":
        return !has || !r.values.includes(v as string);
      case "gt":
        return has && /^-?\d+$/.test(v as string) && Number(v) > Number(r.values[0]);
      case "lt":
        return has && /^-?\d+$/.test(v as string) && Number(v) < Number(r.values[0]);
    }
  });
}
