/**
 * Object names (anchor-charm §5.3–§5.6): the Python charm's 63-character truncation with MD5,
 * listener, Service, route and Secret names. Expected digests were computed with Python's
 * hashlib while writing these tests and are data here, not recomputed.
 */
import { check, fc } from "../properties.ts";
import assert from "node:assert/strict";
import { md5Hex } from "../../src/gateway/md5.ts";
import {
  dashed,
  httpListenerName,
  httpsListenerName,
  ingressPath,
  redirectRouteName,
  routeName,
  secretName,
  serviceName,
  truncate63,
} from "../../src/gateway/names.ts";

/** RFC 1321 appendix A.5, then block-boundary lengths and multi-byte UTF-8 (hashlib). */
const MD5: [string, string][] = [
  ["", "d41d8cd98f00b204e9800998ecf8427e"],
  ["a", "0cc175b9c0f1b6a831c399e269772661"],
  ["abc", "900150983cd24fb0d6963f7d28e17f72"],
  ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
  ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
  [
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "d174ab98d277d9f5a5611c2c9f419d9f",
  ],
  [
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
    "57edf4a22be3c955ac49da2e2107b67a",
  ],
  ["a".repeat(55), "ef1772b6dff9a122358552954ad0df65"],
  ["a".repeat(56), "3b0c8ac703f828b04c6c197006d17218"],
  ["a".repeat(63), "b06521f39153d618550606be297466d5"],
  ["a".repeat(64), "014842d480b571495a4a0363793f7367"],
  ["a".repeat(119), "8a7bd0732ed6a28ce75f6dabc90e1613"],
  ["a".repeat(120), "5f61c0ccad4cac44c75ff505e1f1e537"],
  ["a".repeat(1000), "cabe45dcc9ae5b66ba86600cca6b8ba8"],
  ["é", "66ddcd97cfdeabb2f6fb8a999b4bc76f"],
  ["gateway-😀", "f3cdd2065ad2815ded63d3fc42d327d7"],
];

for (const [input, digest] of MD5) {
  const label = input.length > 20 ? `${input.slice(0, 12)}… (${input.length} chars)` : input;
  Deno.test(`md5Hex(${JSON.stringify(label)}) is ${digest}`, () => {
    assert.equal(md5Hex(input), digest);
  });
}

const X53 = "x".repeat(53);
const X52 = "x".repeat(52);
const LONG_APP = "indico-long-application-name-x-extra";

/** [input, expected]: ≤63 unchanged; longer: first 54 chars minus trailing "-", "-", md5[:8]. */
const TRUNCATE: [string, string][] = [
  ["gateway-api-integrator-http", "gateway-api-integrator-http"],
  ["", ""],
  ["x".repeat(63), "x".repeat(63)],
  ["-".repeat(63), "-".repeat(63)],
  ["a".repeat(64), `${"a".repeat(54)}-014842d4`],
  ["b".repeat(100), `${"b".repeat(54)}-d84a9357`],
  [
    "gateway-api-integrator-a-very-long-requirer-application-name-https",
    "gateway-api-integrator-a-very-long-requirer-applicatio-63094fa1",
  ],
  // Character 54 is a dash: it is removed before the digest is appended (62 characters).
  [`${X53}-${"y".repeat(20)}`, `${X53}-8fca464a`],
  // Characters 53 and 54 (and 55) are dashes: all trailing dashes go (61 characters).
  [`${X52}---${"y".repeat(20)}`, `${X52}-e1225136`],
  [
    `gateway-api-integrator-${LONG_APP}-https`,
    "gateway-api-integrator-indico-long-application-name-x-3c26fc33",
  ],
];

for (const [input, expected] of TRUNCATE) {
  Deno.test(`truncate63 of a ${input.length}-character name gives ${expected.length}: ${expected}`, () => {
    const result = truncate63(input);
    assert.equal(result, expected);
    assert.ok(result.length <= 63);
  });
}

Deno.test("dashed replaces every dot of a host name with a dash", () => {
  assert.equal(dashed("gw.example.com"), "gw-example-com");
  assert.equal(dashed("10.0.0.1"), "10-0-0-1");
  assert.equal(dashed("localhost"), "localhost");
});

/** [function result, expected] — anchor-charm §5.3 listener names (never truncated). */
const LISTENERS: [string, string, string][] = [
  [
    "HTTP, no hostname",
    httpListenerName("gateway-api-integrator", null),
    "gateway-api-integrator-http",
  ],
  ["HTTP, a hostname", httpListenerName("gw", "gw.example.com"), "gw-http-gw-example-com"],
  ["HTTP, an IP", httpListenerName("gw", "10.0.0.1"), "gw-http-10-0-0-1"],
  ["HTTPS, no hostname", httpsListenerName("gw", null), "gw-https"],
  ["HTTPS, a hostname", httpsListenerName("gw", "a.b.example.org"), "gw-https-a-b-example-org"],
  ["HTTPS, an IP", httpsListenerName("gw", "10.0.0.1"), "gw-https-10-0-0-1"],
  [
    "HTTPS, a long hostname (not truncated)",
    httpsListenerName("gw", `${"h".repeat(60)}.example.com`),
    `gw-https-${"h".repeat(60)}-example-com`,
  ],
];

for (const [what, actual, expected] of LISTENERS) {
  Deno.test(`listener name for ${what} is ${expected}`, () => {
    assert.equal(actual, expected);
  });
}

// Route names: the README's documented difference from the Python charm (whose routes are
// `<app>-http` and `[truncate63(]<app>-https[-<host>])`): one pair per requirer.
const ROUTES: [string, string, string][] = [
  [
    "HTTP route of web",
    routeName("gateway-api-integrator", "web", "http"),
    "gateway-api-integrator-web-http",
  ],
  ["HTTPS route of web", routeName("gw", "web", "https"), "gw-web-https"],
  [
    "HTTPS route of a long app (dash at 54)",
    routeName("gateway-api-integrator", LONG_APP, "https"),
    "gateway-api-integrator-indico-long-application-name-x-3c26fc33",
  ],
  [
    "HTTP route of a long app",
    routeName("gateway-api-integrator", LONG_APP, "http"),
    "gateway-api-integrator-indico-long-application-name-x-87f173ae",
  ],
  [
    "redirect route",
    redirectRouteName("gateway-api-integrator"),
    "gateway-api-integrator-http-redirect",
  ],
  [
    "redirect route of a long gateway",
    redirectRouteName(`gw-${"a".repeat(52)}`),
    `gw-${"a".repeat(51)}-6d03f9b4`,
  ],
];

for (const [what, actual, expected] of ROUTES) {
  Deno.test(`${what} is named ${expected}`, () => {
    assert.equal(actual, expected);
  });
}

// Service names: `<app>-<requirer>-service` as §5.5; the Python charm does not truncate them (a
// long one is rejected by the API), this implementation does (README, differences).
const SERVICES: [string, string, string][] = [
  ["web", serviceName("gateway-api-integrator", "web"), "gateway-api-integrator-web-service"],
  [
    "a 61-character name",
    serviceName("gateway-api-integrator", "indico-long-application-name-x"),
    "gateway-api-integrator-indico-long-application-name-x-service",
  ],
  [
    "a long app",
    serviceName("gateway-api-integrator", LONG_APP),
    "gateway-api-integrator-indico-long-application-name-x-01b7b973",
  ],
];

for (const [what, actual, expected] of SERVICES) {
  Deno.test(`Service name for ${what} is ${expected}`, () => {
    assert.equal(actual, expected);
  });
}

Deno.test("Secret names are <app>-secret-<target> (§5.6), shortened past 63 characters", () => {
  assert.equal(secretName("gw", "gw.example.com"), "gw-secret-gw.example.com");
  assert.equal(secretName("gw", "10.0.0.1"), "gw-secret-10.0.0.1");
  assert.equal(secretName("gw", "fd00::1"), "gw-secret-fd00--1");
  const host = `${"h".repeat(20)}.example.com`;
  assert.equal(secretName("gateway-api-integrator", host), `gateway-api-integrator-secret-${host}`);
  const long = `${"h".repeat(60)}.example.com`;
  const name = secretName("gateway-api-integrator", long);
  assert.equal(name.length, 63);
  assert.match(name, /^gateway-api-integrator-secret-h+-[0-9a-f]{8}$/);
  // A cut that would end on a dot does not leave `.-` in the name.
  const dotted = secretName("gateway-api-integrator", `${"h".repeat(24)}.example.com`);
  assert.match(dotted, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  assert.ok(!dotted.includes(".-") && dotted.length <= 63, dotted);
});

Deno.test("a requirer's URL path is /<model>-<app>", () => {
  assert.equal(ingressPath("cos", "grafana"), "/cos-grafana");
  assert.equal(ingressPath("testing-model", "flask-k8s"), "/testing-model-flask-k8s");
});

Deno.test("property: every Secret name is at most 63 characters and a valid DNS subdomain", async () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
  const app = fc.stringMatching(/^[a-z][a-z0-9]{0,30}(-[a-z][a-z0-9]{0,10}){0,2}$/);
  const target = fc.oneof(
    fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join(".")),
    fc.ipV4(),
    fc.ipV6(),
  );
  await check(
    fc.property(app, target, (gateway, host) => {
      const name = secretName(gateway, host);
      assert.ok(name.length <= 63, name);
      assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    }),
    1000,
  );
});
