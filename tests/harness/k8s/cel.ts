/**
 * A small CEL (Common Expression Language) interpreter, enough for the `x-kubernetes-validations`
 * rules in the Gateway API CRDs: literals (including raw and triple-quoted strings), the usual
 * operators, `?:`, field selection and indexing, the macros `has`, `all`, `exists`,
 * `exists_one`, `filter` and `map`, and the functions `size`, `matches`, `startsWith`,
 * `endsWith`, `contains`, `split`, `substring`, `lowerAscii`, `upperAscii`, `trim`, `isIP`,
 * `duration`, `int`, `string`.
 *
 * Errors follow CEL's rules: a missing field is the error "no such key: <f>"; `&&` and `||`
 * absorb an error when the other side decides the result; anything else propagates the error to
 * the rule, which the apiserver then reports as "<error> evaluating rule: <message>".
 * Written from the CEL language definition; field names that are CEL keywords are escaped as
 * `__keyword__` in rules, as the apiserver does.
 */

/** A CEL evaluation error (reported by the validator as "<message> evaluating rule: ..."). */
export class CelError extends Error {}

/** A CEL duration value (nanoseconds are not needed: milliseconds as a float suffice). */
export class Duration {
  constructor(readonly ms: number) {}
}

type Node =
  | { k: "lit"; v: unknown }
  | { k: "ident"; name: string }
  | { k: "select"; x: Node; field: string }
  | { k: "index"; x: Node; i: Node }
  | { k: "call"; fn: string; target?: Node; args: Node[] }
  | { k: "list"; elems: Node[] }
  | { k: "map"; entries: [Node, Node][] }
  | { k: "unary"; op: string; x: Node }
  | { k: "binary"; op: string; l: Node; r: Node }
  | { k: "cond"; c: Node; t: Node; f: Node };

interface Token {
  t: "num" | "str" | "ident" | "op" | "eof";
  v: string;
  /** Parsed literal value for numbers and strings. */
  lit?: unknown;
}

const KEYWORDS = new Set([
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
]);

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ops = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "?", ":", ".", ",", "(", ")"];
  const ops2 = ["[", "]", "{", "}", "+", "-", "*", "/", "%"];
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // String literals, with optional r/R (raw) and b/B prefixes.
    const strMatch = /^([rRbB]{0,2})("""|'''|"|')/.exec(src.slice(i));
    if (strMatch && (strMatch[1].length > 0 || c === '"' || c === "'")) {
      const raw = /[rR]/.test(strMatch[1]);
      const quote = strMatch[2];
      let j = i + strMatch[0].length;
      let s = "";
      while (true) {
        if (j >= src.length) throw new CelError("unterminated string literal");
        if (src.startsWith(quote, j)) {
          j += quote.length;
          break;
        }
        const ch = src[j];
        if (ch === "\\" && !raw) {
          const [val, len] = unescape(src, j);
          s += val;
          j += len;
        } else if (ch === "\\" && raw) {
          s += ch;
          j++;
        } else {
          s += ch;
          j++;
        }
      }
      out.push({ t: "str", v: src.slice(i, j), lit: s });
      i = j;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+|\d+)(u|U)?/
      .exec(src.slice(i));
    if (num && /[\d.]/.test(c) && !(c === "." && !/\d/.test(src[i + 1] ?? ""))) {
      const text = num[1];
      const v = text.startsWith("0x") ? parseInt(text, 16) : Number(text);
      out.push({ t: "num", v: num[0], lit: v });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "ident", v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = [...ops, ...ops2].find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ t: "op", v: op });
      i += op.length;
      continue;
    }
    throw new CelError(`Syntax error: token recognition error at: '${c}'`);
  }
  out.push({ t: "eof", v: "" });
  return out;
}

function unescape(src: string, j: number): [string, number] {
  const n = src[j + 1];
  const simple: Record<string, string> = {
    "\\": "\\",
    '"': '"',
    "'": "'",
    "`": "`",
    "?": "?",
    n: "\n",
    t: "\t",
    r: "\r",
    a: "\x07",
    b: "\b",
    f: "\f",
    v: "\v",
  };
  if (n in simple) return [simple[n], 2];
  if (n === "x" || n === "X") {
    return [String.fromCodePoint(parseInt(src.slice(j + 2, j + 4), 16)), 4];
  }
  if (n === "u") return [String.fromCodePoint(parseInt(src.slice(j + 2, j + 6), 16)), 6];
  if (n === "U") return [String.fromCodePoint(parseInt(src.slice(j + 2, j + 10), 16)), 10];
  if (/[0-3]/.test(n)) return [String.fromCodePoint(parseInt(src.slice(j + 1, j + 4), 8)), 4];
  throw new CelError(`invalid escape sequence \\${n}`);
}

class Parser {
  private i = 0;
  constructor(private toks: Token[]) {}

  parse(): Node {
    const n = this.expr();
    if (this.peek().t !== "eof") throw new CelError(`Syntax error: unexpected '${this.peek().v}'`);
    return n;
  }

  private peek(): Token {
    return this.toks[this.i];
  }
  private next(): Token {
    return this.toks[this.i++];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === v;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.t !== "op" || t.v !== v) {
      throw new CelError(`Syntax error: expected '${v}', got '${t.v}'`);
    }
  }

  private expr(): Node {
    const c = this.or();
    if (this.isOp("?")) {
      this.next();
      const t = this.or();
      this.expect(":");
      const f = this.expr();
      return { k: "cond", c, t, f };
    }
    return c;
  }
  private or(): Node {
    let l = this.and();
    while (this.isOp("||")) {
      this.next();
      l = { k: "binary", op: "||", l, r: this.and() };
    }
    return l;
  }
  private and(): Node {
    let l = this.rel();
    while (this.isOp("&&")) {
      this.next();
      l = { k: "binary", op: "&&", l, r: this.rel() };
    }
    return l;
  }
  private rel(): Node {
    let l = this.add();
    while (true) {
      const t = this.peek();
      if (t.t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(t.v)) {
        this.next();
        l = { k: "binary", op: t.v, l, r: this.add() };
      } else if (t.t === "ident" && t.v === "in") {
        this.next();
        l = { k: "binary", op: "in", l, r: this.add() };
      } else {
        return l;
      }
    }
  }
  private add(): Node {
    let l = this.mul();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.next().v;
      l = { k: "binary", op, l, r: this.mul() };
    }
    return l;
  }
  private mul(): Node {
    let l = this.unary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const op = this.next().v;
      l = { k: "binary", op, l, r: this.unary() };
    }
    return l;
  }
  private unary(): Node {
    if (this.isOp("!") || this.isOp("-")) {
      const op = this.next().v;
      return { k: "unary", op, x: this.unary() };
    }
    return this.member();
  }
  private member(): Node {
    let x = this.primary();
    while (true) {
      if (this.isOp(".")) {
        this.next();
        const id = this.next();
        if (id.t !== "ident") throw new CelError(`Syntax error: expected identifier after '.'`);
        if (this.isOp("(")) {
          this.next();
          x = { k: "call", fn: id.v, target: x, args: this.args(")") };
        } else {
          x = { k: "select", x, field: id.v };
        }
      } else if (this.isOp("[")) {
        this.next();
        const i = this.expr();
        this.expect("]");
        x = { k: "index", x, i };
      } else {
        return x;
      }
    }
  }
  private args(close: string): Node[] {
    const out: Node[] = [];
    if (this.isOp(close)) {
      this.next();
      return out;
    }
    while (true) {
      out.push(this.expr());
      if (this.isOp(",")) {
        this.next();
        if (this.isOp(close)) {
          this.next();
          return out;
        }
        continue;
      }
      this.expect(close);
      return out;
    }
  }
  private primary(): Node {
    const t = this.next();
    if (t.t === "num" || t.t === "str") return { k: "lit", v: t.lit };
    if (t.t === "ident") {
      if (t.v === "true") return { k: "lit", v: true };
      if (t.v === "false") return { k: "lit", v: false };
      if (t.v === "null") return { k: "lit", v: null };
      if (this.isOp("(")) {
        this.next();
        return { k: "call", fn: t.v, args: this.args(")") };
      }
      return { k: "ident", name: t.v };
    }
    if (t.t === "op" && t.v === "(") {
      const e = this.expr();
      this.expect(")");
      return e;
    }
    if (t.t === "op" && t.v === "[") return { k: "list", elems: this.args("]") };
    if (t.t === "op" && t.v === "{") {
      const entries: [Node, Node][] = [];
      while (!this.isOp("}")) {
        const key = this.expr();
        this.expect(":");
        entries.push([key, this.expr()]);
        if (this.isOp(",")) this.next();
      }
      this.next();
      return { k: "map", entries };
    }
    throw new CelError(`Syntax error: unexpected '${t.v}'`);
  }
}

/** Maps an escaped CEL field name back to the JSON property name. */
function unescapeField(name: string): string {
  const m = /^__(.+)__$/.exec(name);
  if (!m) return name;
  if (KEYWORDS.has(m[1])) return m[1];
  return m[1]
    .replaceAll("__underscores__", "__")
    .replaceAll("__dot__", ".")
    .replaceAll("__dash__", "-")
    .replaceAll("__slash__", "/");
}

const parsed = new Map<string, Node>();

/** Parses a CEL expression (cached), throwing CelError on syntax errors. */
export function compile(src: string): Node {
  let n = parsed.get(src);
  if (!n) {
    n = new Parser(lex(src)).parse();
    parsed.set(src, n);
  }
  return n;
}

/** Evaluates a CEL expression with the given variables (e.g. `self`, `oldSelf`). */
export function evaluate(src: string, vars: Record<string, unknown>): unknown {
  const env = new Map(Object.entries(vars));
  return ev(compile(src), env);
}

type Env = Map<string, unknown>;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Duration);
}

function typeName(v: unknown): string {
  if (v === null) return "null_type";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "double";
  if (Array.isArray(v)) return "list";
  if (v instanceof Duration) return "google.protobuf.Duration";
  return "map";
}

function noOverload(fn: string, ...args: unknown[]): CelError {
  return new CelError(`no such overload: ${fn}(${args.map(typeName).join(", ")})`);
}

function ev(n: Node, env: Env): unknown {
  switch (n.k) {
    case "lit":
      return n.v;
    case "ident":
      if (env.has(n.name)) return env.get(n.name);
      throw new CelError(`undeclared reference to '${n.name}'`);
    case "select": {
      const x = ev(n.x, env);
      return select(x, unescapeField(n.field));
    }
    case "index": {
      const x = ev(n.x, env);
      const i = ev(n.i, env);
      if (Array.isArray(x)) {
        if (typeof i !== "number" || !Number.isInteger(i)) throw noOverload("_[_]", x, i);
        if (i < 0 || i >= x.length) throw new CelError(`index out of bounds: ${i}`);
        return x[i];
      }
      if (isMap(x)) {
        const key = String(i);
        if (!Object.hasOwn(x, key)) throw new CelError(`no such key: ${key}`);
        return x[key];
      }
      throw noOverload("_[_]", x, i);
    }
    case "list":
      return n.elems.map((e) => ev(e, env));
    case "map": {
      const m: Record<string, unknown> = {};
      for (const [k, v] of n.entries) m[String(ev(k, env))] = ev(v, env);
      return m;
    }
    case "unary": {
      const x = ev(n.x, env);
      if (n.op === "!") {
        if (typeof x !== "boolean") throw noOverload("!_", x);
        return !x;
      }
      if (typeof x !== "number") throw noOverload("-_", x);
      return -x;
    }
    case "cond": {
      const c = ev(n.c, env);
      if (typeof c !== "boolean") throw noOverload("_?_:_", c);
      return c ? ev(n.t, env) : ev(n.f, env);
    }
    case "binary":
      return binary(n.op, n.l, n.r, env);
    case "call":
      return call(n, env);
  }
}

function select(x: unknown, field: string): unknown {
  if (isMap(x)) {
    if (!Object.hasOwn(x, field)) throw new CelError(`no such key: ${field}`);
    return x[field];
  }
  throw new CelError(`type '${typeName(x)}' does not support field selection`);
}

function logical(op: "&&" | "||", l: Node, r: Node, env: Env): boolean {
  // CEL's && and || are commutative with respect to errors: a decisive value on either side
  // wins even if the other side fails.
  const decisive = op === "||";
  let lv: unknown;
  let lerr: unknown;
  try {
    lv = ev(l, env);
    if (typeof lv !== "boolean") throw noOverload(`_${op}_`, lv);
    if (lv === decisive) return decisive;
  } catch (e) {
    lerr = e;
  }
  const rv = ev(r, env);
  if (typeof rv !== "boolean") throw noOverload(`_${op}_`, rv);
  if (rv === decisive) return decisive;
  if (lerr !== undefined) throw lerr;
  return !decisive;
}

/** Deep equality with CEL semantics for the JSON-ish values used here. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Duration && b instanceof Duration) return a.ms === b.ms;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && celEquals(a[k], b[k]));
  }
  return a === b;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  let x: number | string;
  let y: number | string;
  if (typeof a === "number" && typeof b === "number") [x, y] = [a, b];
  else if (typeof a === "string" && typeof b === "string") [x, y] = [a, b];
  else if (a instanceof Duration && b instanceof Duration) [x, y] = [a.ms, b.ms];
  else if (typeof a === "boolean" && typeof b === "boolean") [x, y] = [Number(a), Number(b)];
  else throw noOverload(`_${op}_`, a, b);
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

function binary(op: string, l: Node, r: Node, env: Env): unknown {
  if (op === "&&" || op === "||") return logical(op, l, r, env);
  const a = ev(l, env);
  const b = ev(r, env);
  switch (op) {
    case "==":
      return celEquals(a, b);
    case "!=":
      return !celEquals(a, b);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return compare(op, a, b);
    case "in":
      if (Array.isArray(b)) return b.some((x) => celEquals(x, a));
      if (isMap(b)) return typeof a === "string" && Object.hasOwn(b, a);
      throw noOverload("@in", a, b);
    case "+":
      if (typeof a === "number" && typeof b === "number") return a + b;
      if (typeof a === "string" && typeof b === "string") return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      if (a instanceof Duration && b instanceof Duration) return new Duration(a.ms + b.ms);
      throw noOverload("_+_", a, b);
    case "-":
      if (typeof a === "number" && typeof b === "number") return a - b;
      if (a instanceof Duration && b instanceof Duration) return new Duration(a.ms - b.ms);
      throw noOverload("_-_", a, b);
    case "*":
      if (typeof a === "number" && typeof b === "number") return a * b;
      throw noOverload("_*_", a, b);
    case "/":
      if (typeof a === "number" && typeof b === "number") {
        if (b === 0) throw new CelError("division by zero");
        return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b;
      }
      throw noOverload("_/_", a, b);
    case "%":
      if (typeof a === "number" && typeof b === "number") {
        if (b === 0) throw new CelError("modulus by zero");
        return a % b;
      }
      throw noOverload("_%_", a, b);
  }
  throw new CelError(`unknown operator ${op}`);
}

const MACROS = new Set(["all", "exists", "exists_one", "filter", "map"]);

function call(n: Extract<Node, { k: "call" }>, env: Env): unknown {
  if (n.fn === "has" && !n.target) {
    const arg = n.args[0];
    if (n.args.length !== 1 || arg.k !== "select") {
      throw new CelError("invalid argument to has() macro");
    }
    const x = ev(arg.x, env);
    if (isMap(x)) return Object.hasOwn(x, unescapeField(arg.field));
    throw new CelError(`type '${typeName(x)}' does not support field selection`);
  }
  if (n.target && MACROS.has(n.fn) && n.args.length === 2 && n.args[0].k === "ident") {
    return macro(n.fn, ev(n.target, env), n.args[0].name, n.args[1], env);
  }
  const target = n.target ? ev(n.target, env) : undefined;
  const args = n.args.map((a) => ev(a, env));
  const all = n.target ? [target, ...args] : args;
  return builtin(n.fn, all);
}

function macro(fn: string, range: unknown, v: string, body: Node, env: Env): unknown {
  let items: unknown[];
  if (Array.isArray(range)) items = range;
  else if (isMap(range)) items = Object.keys(range);
  else throw noOverload(fn, range);
  const run = (item: unknown): unknown => {
    const inner = new Map(env);
    inner.set(v, item);
    return ev(body, inner);
  };
  const pred = (item: unknown): boolean => {
    const r = run(item);
    if (typeof r !== "boolean") throw noOverload(fn, r);
    return r;
  };
  switch (fn) {
    case "all": {
      // A false result wins over errors from other elements, like &&.
      let err: unknown;
      for (const it of items) {
        try {
          if (!pred(it)) return false;
        } catch (e) {
          err ??= e;
        }
      }
      if (err !== undefined) throw err;
      return true;
    }
    case "exists": {
      let err: unknown;
      for (const it of items) {
        try {
          if (pred(it)) return true;
        } catch (e) {
          err ??= e;
        }
      }
      if (err !== undefined) throw err;
      return false;
    }
    case "exists_one":
      return items.filter(pred).length === 1;
    case "filter":
      return items.filter(pred);
    default:
      return items.map(run);
  }
}

const regexCache = new Map<string, RegExp>();

/** Compiles an RE2 pattern as a JS RegExp (the subset the CRDs use is compatible). */
export function re2(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    let flags = "";
    let p = pattern;
    const m = /^\(\?([ims]+)\)/.exec(p);
    if (m) {
      flags = m[1].replace("m", "m");
      p = p.slice(m[0].length);
    }
    re = new RegExp(p, flags);
    regexCache.set(pattern, re);
  }
  return re;
}

function str(fn: string, v: unknown, ...rest: unknown[]): string {
  if (typeof v !== "string") throw noOverload(fn, v, ...rest);
  return v;
}

function builtin(fn: string, a: unknown[]): unknown {
  switch (fn) {
    case "size": {
      const x = a[0];
      if (typeof x === "string") return [...x].length;
      if (Array.isArray(x)) return x.length;
      if (isMap(x)) return Object.keys(x).length;
      throw noOverload("size", x);
    }
    case "matches":
      return re2(str(fn, a[1])).test(str(fn, a[0], a[1]));
    case "startsWith":
      return str(fn, a[0], a[1]).startsWith(str(fn, a[1]));
    case "endsWith":
      return str(fn, a[0], a[1]).endsWith(str(fn, a[1]));
    case "contains":
      return str(fn, a[0], a[1]).includes(str(fn, a[1]));
    case "split": {
      const s = str(fn, a[0]);
      const sep = str(fn, a[1]);
      const parts = s.split(sep);
      if (typeof a[2] === "number" && a[2] >= 0) {
        if (a[2] === 0) return [];
        if (parts.length > a[2]) {
          return [...parts.slice(0, a[2] - 1), parts.slice(a[2] - 1).join(sep)];
        }
      }
      return parts;
    }
    case "substring": {
      const cps = [...str(fn, a[0])];
      const start = a[1];
      const end = a.length > 2 ? a[2] : cps.length;
      if (typeof start !== "number" || typeof end !== "number") throw noOverload(fn, ...a);
      if (start < 0 || start > cps.length || end < start || end > cps.length) {
        throw new CelError(`index out of range: ${start < 0 || start > cps.length ? start : end}`);
      }
      return cps.slice(start, end).join("");
    }
    case "lowerAscii":
      return str(fn, a[0]).replace(/[A-Z]/g, (c) => c.toLowerCase());
    case "upperAscii":
      return str(fn, a[0]).replace(/[a-z]/g, (c) => c.toUpperCase());
    case "trim":
      return str(fn, a[0]).trim();
    case "isIP":
      return isIP(str(fn, a[0]));
    case "duration":
      return parseDuration(str(fn, a[0]));
    case "int": {
      const x = a[0];
      if (typeof x === "number") return Math.trunc(x);
      if (typeof x === "string" && /^-?\d+$/.test(x)) return Number(x);
      throw noOverload(fn, x);
    }
    case "string": {
      const x = a[0];
      if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") {
        return String(x);
      }
      throw noOverload(fn, x);
    }
  }
  throw new CelError(`undeclared reference to '${fn}'`);
}

/** Kubernetes' `isIP()` CEL extension: a canonical IPv4 or IPv6 address without zone. */
export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (s.includes("%") || !s.includes(":")) return false;
  let rest = s;
  let groups = 8;
  const lastColon = rest.lastIndexOf(":");
  const tail = rest.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!isIPv4(tail)) return false;
    rest = rest.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = rest.split("::");
  if (dbl.length > 2) return false;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  if (dbl.length === 2) {
    const left = dbl[0] === "" ? [] : dbl[0].split(":");
    const right = dbl[1] === "" ? [] : dbl[1].split(":");
    if (![...left, ...right].every((g) => hex.test(g))) return false;
    return left.length + right.length < groups;
  }
  const all = rest.split(":");
  groups = all.length;
  return groups === 8 && all.every((g) => hex.test(g));
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60000,
  h: 3600000,
};

/** Parses a Go/CEL duration string such as `1h30m`, `500ms` or `0s`. */
export function parseDuration(s: string): Duration {
  if (s === "0") return new Duration(0);
  const m = /^([-+]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(s);
  if (!m) throw new CelError(`invalid duration: "${s}"`);
  let total = 0;
  for (const part of m[2].matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]];
  }
  return new Duration(m[1] === "-" ? -total : total);
}

/** True when the rule refers to `oldSelf` (a transition rule, checked only on updates). */
export function isTransitionRule(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}
