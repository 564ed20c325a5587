/**
 * Unit tests of the fake server's building blocks: the CEL interpreter, label selectors,
 * JSON merge / JSON patch / strategic merge patch, the server-side-apply field sets, and the
 * PRNG of random faults.
 */

import assert from "node:assert/strict";
import { CelError, evaluate, isIP, parseDuration } from "./cel.ts";
import { ApiError } from "./errors.ts";
import { matchesSelector, parseSelector } from "./names.ts";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.ts";
import type { Schema } from "./schema.ts";
import { seededRandom } from "./server.ts";
import {
  apply,
  fieldSetOf,
  fromFieldsV1,
  type ManagerEntry,
  pathString,
  toFieldsV1,
  update,
} from "./ssa.ts";

type J = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// CEL

const celCases: [string, J, unknown][] = [
  ["1 + 2 * 3", {}, 7],
  ["'a' + 'b' == 'ab'", {}, true],
  ["[1, 2, 3].all(x, x > 0)", {}, true],
  ["[1, 2, 3].exists_one(x, x > 2)", {}, true],
  ["[1, 2, 3].filter(x, x > 1).size()", {}, 2],
  ["[1, 2].map(x, x * 2)", {}, [2, 4]],
  ["self.a in ['x', 'y']", { self: { a: "y" } }, true],
  ["has(self.a) ? self.a : 'none'", { self: {} }, "none"],
  ["has(self.__namespace__)", { self: { namespace: "ns" } }, true],
  ["self.__namespace__ == 'ns'", { self: { namespace: "ns" } }, true],
  ["size(self) == 2", { self: { a: 1, b: 2 } }, true],
  ["self.all(k, k.startsWith('a'))", { self: { ab: 1, ac: 2 } }, true],
  ["'abc'.matches('^a.c$')", {}, true],
  [`'a.b'.matches(r"""^a\\.b$""")`, {}, true],
  ["'a/b/c'.split('/')[1]", {}, "b"],
  ["'*.example.com'.substring(2)", {}, "example.com"],
  ["duration('1h') > duration('59m')", {}, true],
  ["isIP('10.0.0.1') && !isIP('example.com')", {}, true],
  // Errors on one side of && / || are absorbed when the other side decides.
  ["self.missing == 1 || true", { self: {} }, true],
  ["false && self.missing == 1", { self: {} }, false],
  ["self.missing == 1 && false", { self: {} }, false],
  ["self.size() > 1 ? self[1] : 0", { self: [5] }, 0],
];

for (const [expr, vars, want] of celCases) {
  Deno.test(`cel: ${expr}`, () => assert.deepEqual(evaluate(expr, vars), want));
}

Deno.test("cel: missing keys are errors", () => {
  assert.throws(() => evaluate("self.a == 1", { self: {} }), (e: unknown) => {
    return e instanceof CelError && e.message === "no such key: a";
  });
  assert.throws(() => evaluate("size(self.a) > 0 || size(self.b) > 0", { self: {} }), CelError);
  assert.throws(() => evaluate("self[3]", { self: [1] }), /index out of bounds/);
});

Deno.test("cel: isIP and durations", () => {
  assert.ok(isIP("::1") && isIP("2001:db8::1") && isIP("1.2.3.4"));
  assert.ok(!isIP("1.2.3.256") && !isIP("01.2.3.4") && !isIP("fe80::1%eth0") && !isIP("a::b::c"));
  assert.equal(parseDuration("1h30m").ms, 5400000);
  assert.equal(parseDuration("250ms").ms, 250);
  assert.throws(() => parseDuration("1d"), CelError);
});

// ---------------------------------------------------------------------------------------------
// Label selectors

Deno.test("selectors: parse and match", () => {
  const labels = { app: "x", tier: "web" };
  const m = (s: string, l: J = labels) => matchesSelector(parseSelector(s), l);
  assert.ok(m(""));
  assert.ok(m("app=x,tier"));
  assert.ok(m("app == x"));
  assert.ok(!m("app!=x"));
  assert.ok(m("app!=y"));
  assert.ok(m("missing!=y"), "!= matches objects without the key");
  assert.ok(m("app in (x,z)"));
  assert.ok(m("app notin (y)"));
  assert.ok(m("!missing"));
  assert.ok(!m("!app"));
  assert.ok(m("example.com/key", { "example.com/key": "" }));
  assert.ok(m("n>3", { n: "4" }) && !m("n<3", { n: "4" }));
  for (const bad of ["app in (", "=x", "app=x,", "bad key=x", "app=bad value"]) {
    assert.throws(
      () => parseSelector(bad),
      (e: unknown) => e instanceof ApiError && e.status.code === 400,
      bad,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Patches

Deno.test("merge patch (RFC 7386)", () => {
  const target = { a: 1, b: { c: 2, d: 3 }, l: [1, 2] };
  assert.deepEqual(mergePatch(target, { b: { c: null, e: 4 }, l: [3], f: "x" }), {
    a: 1,
    b: { d: 3, e: 4 },
    l: [3],
    f: "x",
  });
  assert.deepEqual(target.b, { c: 2, d: 3 }, "the target is not modified");
});

Deno.test("JSON patch (RFC 6902)", () => {
  const doc = { a: [1, 2], b: { "x/y": 1 } };
  assert.deepEqual(
    jsonPatch(doc, [
      { op: "add", path: "/a/-", value: 3 },
      { op: "replace", path: "/a/0", value: 0 },
      { op: "remove", path: "/b/x~1y" },
      { op: "copy", from: "/a/1", path: "/c" },
      { op: "move", from: "/c", path: "/d" },
      { op: "test", path: "/d", value: 2 },
    ]),
    { a: [0, 2, 3], b: {}, d: 2 },
  );
  assert.throws(() => jsonPatch(doc, [{ op: "test", path: "/a/0", value: 9 }]), ApiError);
  assert.throws(() => jsonPatch(doc, [{ op: "remove", path: "/nope" }]), ApiError);
});

Deno.test("strategic merge patch merges keyed lists of built-ins", () => {
  const svc = {
    spec: { ports: [{ port: 80, name: "a" }, { port: 81, name: "b" }], selector: { x: "1" } },
  };
  assert.deepEqual(
    strategicMergePatch(svc, {
      spec: { ports: [{ port: 81, name: "bb" }, { port: 80, $patch: "delete" }, { port: 82 }] },
    }),
    { spec: { ports: [{ port: 81, name: "bb" }, { port: 82 }], selector: { x: "1" } } },
  );
});

// ---------------------------------------------------------------------------------------------
// Field sets and apply

const schema: Schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        listeners: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["name"],
          items: { type: "object" },
        },
        hostnames: { type: "array", items: { type: "string" } },
        tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
      },
    },
  },
};

Deno.test("field sets: FieldsV1 encoding round-trips", () => {
  const obj = {
    apiVersion: "x/v1",
    kind: "X",
    metadata: { name: "n", labels: { a: "1" } },
    spec: { listeners: [{ name: "l", port: 1 }], hostnames: ["h"], tags: ["t"] },
  };
  const set = fieldSetOf(obj, schema);
  const v1 = toFieldsV1(set);
  assert.deepEqual(v1, {
    "f:metadata": { "f:labels": { "f:a": {} } },
    "f:spec": {
      "f:hostnames": {},
      "f:listeners": { 'k:{"name":"l"}': { ".": {}, "f:name": {}, "f:port": {} } },
      "f:tags": { 'v:"t"': {} },
    },
  });
  assert.deepEqual([...fromFieldsV1(v1)].sort(), [...set].sort());
  assert.equal(
    pathString(["f:spec", "f:listeners", 'k:{"name":"l"}', "f:port"]),
    '.spec.listeners[name="l"].port',
  );
});

function run(
  live: J | undefined,
  config: J,
  entries: ManagerEntry[],
  manager: string,
  force = false,
) {
  return apply({
    live,
    config,
    schema,
    entries,
    manager,
    apiVersion: "x/v1",
    force,
    now: "2024-01-01T00:00:00Z",
    scoped: false,
  });
}

Deno.test("apply: removes fields the manager stopped applying, keeps shared ones", () => {
  const cfg = (names: string[], tags: string[]) => ({
    spec: { listeners: names.map((name) => ({ name, port: 1 })), tags },
  });
  const a1 = run(undefined, cfg(["a", "b"], ["x", "y"]), [], "m1");
  const b1 = run(a1.object, cfg(["b"], ["y"]), a1.entries, "m2");
  assert.deepEqual(b1.conflicts, []);
  const a2 = run(b1.object, cfg([], []), b1.entries, "m1");
  assert.deepEqual(a2.object.spec, { listeners: [{ name: "b", port: 1 }], tags: ["y"] });
});

Deno.test("apply: conflicts name the other manager and the path", () => {
  const a = run(undefined, { spec: { listeners: [{ name: "a", port: 1 }] } }, [], "m1");
  const b = run(a.object, { spec: { listeners: [{ name: "a", port: 2 }] } }, a.entries, "m2");
  assert.deepEqual(b.conflicts, [{ manager: '"m1"', field: '.spec.listeners[name="a"].port' }]);
  const forced = run(
    a.object,
    { spec: { listeners: [{ name: "a", port: 2 }] } },
    a.entries,
    "m2",
    true,
  );
  assert.deepEqual(forced.conflicts, []);
  const m1 = forced.entries.find((e) => e.manager === "m1");
  assert.ok(m1 && ![...m1.set].some((p) => p.endsWith("f:port")));
});

Deno.test("update: the updater takes changed fields from appliers", () => {
  const a = run(undefined, { spec: { hostnames: ["h"] } }, [], "m1");
  const entries = update(
    a.object,
    { spec: { hostnames: ["g"] } },
    schema,
    a.entries,
    "kubectl",
    "x/v1",
    "2024-01-01T00:00:00Z",
    undefined,
    false,
  );
  assert.deepEqual(entries.map((e) => [e.manager, e.operation, e.set.size]), [
    ["m1", "Apply", 0],
    ["kubectl", "Update", 1],
  ]);
});

Deno.test("random faults keep their rate from small seeds, as fast-check generates them", () => {
  // 50 seeds (0–49) × 25 requests, two draws each as the server makes them. Without the seed
  // mixing, mulberry32 gives 12.8% here; the binomial deviation allowed is about 1.5 sigma.
  let hits = 0;
  for (let seed = 0; seed < 50; seed++) {
    const next = seededRandom(seed);
    for (let request = 0; request < 25; request++) {
      if (next() < 0.15) hits++;
      next();
    }
  }
  const share = hits / 1250;
  assert.ok(share > 0.135 && share < 0.165, String(share));
  // The same seed gives the same numbers.
  const first = seededRandom(7);
  const again = seededRandom(7);
  assert.deepEqual([first(), first(), first()], [again(), again(), again()]);
});
