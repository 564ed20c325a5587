/** What the API server accepts in hostnames and listener names, checked before anything is built. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  gatewayHostnameProblem,
  listenerClash,
  listenerHostnameProblem,
  listenerKey,
} from "../../src/gateway/limits.ts";
import { loadRegistry } from "../harness/k8s/mod.ts";
import { renderGateway } from "../../src/gateway/objects.ts";

const GATEWAY = "gateway-api-integrator";
const label = (n: number, char = "a") => char.repeat(n);

const CASES: [string, string, string | null][] = [
  ["a plain hostname", "gw.example.com", null],
  ["punycode", "xn--bcher-kva.example", null],
  ["a 63-character label", `${label(63)}.com`, null],
  ["a 64-character label", `${label(64)}.com`, "has a label longer than 63 characters"],
  ["253 characters", `${label(61)}.${label(61)}.${label(61)}.${label(61)}.${label(5)}`, null],
  [
    "254 characters",
    `${label(61)}.${label(61)}.${label(61)}.${label(61)}.${label(6)}`,
    "is longer than 253 characters",
  ],
  [
    "an underscore",
    "a_b.example.com",
    'is not a Gateway API hostname (lower-case letters, digits, "-" and "." only)',
  ],
  [
    "upper case",
    "GW.example.com",
    'is not a Gateway API hostname (lower-case letters, digits, "-" and "." only)',
  ],
  [
    "a wildcard (listener names embed the hostname)",
    "*.example.com",
    'is not a Gateway API hostname (lower-case letters, digits, "-" and "." only)',
  ],
  [
    "an empty label",
    "a..example.com",
    'is not a Gateway API hostname (lower-case letters, digits, "-" and "." only)',
  ],
];
for (const [name, host, expected] of CASES) {
  Deno.test(`gateway hostname: ${name}`, () => {
    strictEqual(gatewayHostnameProblem(host), expected);
  });
}

Deno.test("a hostname is refused exactly when its listener name would be too long", () => {
  const room = 253 - `${GATEWAY}-https-`.length;
  const fits = `${label(61)}.${label(61)}.${label(61)}.${label(room - 3 * 62)}`;
  strictEqual(fits.length, room);
  strictEqual(listenerHostnameProblem(GATEWAY, fits), null);
  const over = `${fits.slice(0, -1)}bb`;
  strictEqual(
    listenerHostnameProblem(GATEWAY, over),
    `is too long for a listener name (254 characters, at most 253)`,
  );
});

Deno.test("what the checks accept, the Gateway schema accepts; what they refuse, it refuses", async () => {
  const registry = await loadRegistry();
  const room = 253 - `${GATEWAY}-https-`.length;
  const hosts = [
    "gw.example.com",
    `${label(61)}.${label(61)}.${label(61)}.${label(room - 3 * 62)}`,
    `${label(61)}.${label(61)}.${label(61)}.${label(room - 3 * 62 + 1)}`,
    "a_b.example.com",
    // (A label over 63 characters is refused by DNS, not by the CRD pattern: not compared here.)
  ];
  for (const host of hosts) {
    const gateway = renderGateway({
      name: GATEWAY,
      gatewayClass: "cilium",
      hostnames: [host],
      tls: [{ host, secretName: "s" }],
    });
    const accepted = registry.validate(gateway).errors.length === 0;
    strictEqual(accepted, listenerHostnameProblem(GATEWAY, host) === null, host);
  }
});

Deno.test("listenerClash: hostnames that differ only in '.', ':' and '-' share a listener", () => {
  deepStrictEqual(listenerClash(["a.b-c.com", "a-b.c.com"], new Map()), {
    host: "a-b.c.com",
    other: "a.b-c.com",
    taken: false,
  });
  const taken = new Map([[listenerKey("good.example.com"), "good.example.com"]]);
  deepStrictEqual(listenerClash(["x.example.com", "good-example.com"], taken), {
    host: "good-example.com",
    other: "good.example.com",
    taken: true,
  });
  strictEqual(listenerKey("fd00::1"), listenerKey("fd00--1"));
  // The same hostname twice, or again beside its own listener, is no clash.
  strictEqual(listenerClash(["good.example.com", "good.example.com"], taken), null);
  strictEqual(listenerClash(["a.example.com", "b.example.com"], new Map()), null);
});
