/** The Python charm's validation order and exact Blocked messages. */
import { strictEqual } from "node:assert/strict";
import type { CharmConfig } from "../src/config.ts";
import { type Integrations, MESSAGES, proxyMode, validate } from "../src/validation.ts";

const CONFIG: CharmConfig = {
  externalHostname: null,
  gatewayClass: "cilium",
  enforceHttps: true,
  hstsMaxAge: 31536000,
};
const GATEWAY = "gateway-api-integrator";
const NONE: Integrations = { ingress: false, gatewayRoute: false, certificates: false };

const CASES: [string, Partial<CharmConfig>, Partial<Integrations>, string | null][] = [
  ["a fresh deploy needs certificates", {}, {}, MESSAGES.certificatesNeeded],
  ["certificates are needed before anything else", { externalHostname: "bad_host" }, {
    ingress: true,
    gatewayRoute: true,
  }, MESSAGES.certificatesNeeded],
  ["ingress and gateway-route together", { enforceHttps: false }, {
    ingress: true,
    gatewayRoute: true,
  }, MESSAGES.bothModes],
  [
    "an invalid hostname names the option and value",
    { enforceHttps: false, externalHostname: "1.2.3.4" },
    {},
    'Invalid external-hostname "1.2.3.4": not a valid domain name',
  ],
  [
    "an underscore the domain rule allows but the Gateway API refuses",
    { enforceHttps: false, externalHostname: "gw.exa_mple" },
    {},
    'Invalid external-hostname "gw.exa_mple": not accepted by the Gateway API: the hostname is ' +
    'not a Gateway API hostname (lower-case letters, digits, "-" and "." only)',
  ],
  [
    "a hostname longer than 253 characters",
    { enforceHttps: false, externalHostname: `${"a".repeat(60)}.`.repeat(5) + "com" },
    {},
    `Invalid external-hostname "${`${"a".repeat(60)}.`.repeat(5)}com": not accepted by the ` +
    "Gateway API: the hostname is longer than 253 characters",
  ],
  [
    "a hostname that makes the listener name too long",
    {
      enforceHttps: false,
      externalHostname: `${"a".repeat(60)}.`.repeat(3) + "b".repeat(50) + ".com",
    },
    {},
    `Invalid external-hostname "${`${"a".repeat(60)}.`.repeat(3)}${"b".repeat(50)}.com": not ` +
    "accepted by the Gateway API: the hostname is too long for a listener name (266 characters, " +
    "at most 253)",
  ],
  ["hostname with gateway-route", { enforceHttps: false, externalHostname: "a.example.com" }, {
    gatewayRoute: true,
  }, MESSAGES.hostnameWithGatewayRoute],
  [
    "ingress with certificates needs a hostname",
    {},
    { ingress: true, certificates: true },
    MESSAGES.hostnameNeeded,
  ],
  [
    "negative hsts-max-age",
    { enforceHttps: false, hstsMaxAge: -1 },
    {},
    "invalid configuration: hsts_max_age",
  ],
  ["ingress with certificates and hostname is valid", { externalHostname: "a.example.com" }, {
    ingress: true,
    certificates: true,
  }, null],
  ["enforce-https off without relations is valid", { enforceHttps: false }, {}, null],
  ["hsts-max-age 0 is valid", { enforceHttps: false, hstsMaxAge: 0 }, {}, null],
];

for (const [name, config, integrations, expected] of CASES) {
  Deno.test(`validate: ${name}`, () => {
    strictEqual(
      validate({ ...CONFIG, ...config }, { ...NONE, ...integrations }, ["cilium"], GATEWAY),
      expected,
    );
  });
}

Deno.test("the GatewayClass check comes after steps 1-4 and before steps 6-7", () => {
  const noClass = { ...CONFIG, gatewayClass: null, enforceHttps: false, hstsMaxAge: -1 };
  strictEqual(validate(noClass, NONE, ["a", "b"], GATEWAY), "Gateway class must be one of: [a,b]");
  strictEqual(
    validate({ ...noClass, externalHostname: "x_y.com" }, NONE, [], GATEWAY),
    'Invalid external-hostname "x_y.com": not a valid domain name',
  );
  strictEqual(
    validate({ ...noClass, gatewayClass: "b" }, NONE, ["a", "b"], GATEWAY),
    "invalid configuration: hsts_max_age",
  );
  strictEqual(
    validate({ ...CONFIG, gatewayClass: "c" }, NONE, [], GATEWAY),
    MESSAGES.certificatesNeeded,
  );
  strictEqual(
    validate({ ...CONFIG, enforceHttps: false, gatewayClass: "" }, NONE, [], GATEWAY),
    "Gateway class must be one of: []",
  );
});

Deno.test("proxy mode: ingress wins, then gateway-route, else inactive", () => {
  strictEqual(proxyMode({ ...NONE, ingress: true, gatewayRoute: true }), "ingress");
  strictEqual(proxyMode({ ...NONE, gatewayRoute: true }), "gateway-route");
  strictEqual(proxyMode(NONE), "inactive");
});
