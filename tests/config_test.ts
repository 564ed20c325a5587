/** Config parsing and the Python charm's FQDN rule for external-hostname. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { isValidDomain, parseConfig } from "../src/config.ts";
import { DEFAULT_ROUTING } from "../src/routing_config.ts";

Deno.test("config defaults: enforce-https true, hsts-max-age one year, hostnames unset", () => {
  deepStrictEqual(parseConfig({ "enforce-https": true, "hsts-max-age": 31536000 }), {
    externalHostname: null,
    gatewayClass: null,
    enforceHttps: true,
    hstsMaxAge: 31536000,
    routing: DEFAULT_ROUTING,
    perUnitTcpPorts: "20000-20999",
  });
  deepStrictEqual(parseConfig({}), {
    externalHostname: null,
    gatewayClass: null,
    enforceHttps: true,
    hstsMaxAge: 31536000,
    routing: DEFAULT_ROUTING,
    perUnitTcpPorts: "20000-20999",
  });
});

Deno.test("config values are read and empty strings count as unset", () => {
  deepStrictEqual(
    parseConfig({
      "external-hostname": "",
      "gateway-class": "cilium",
      "enforce-https": false,
      "hsts-max-age": 0,
      "ingress-per-unit-tcp-ports": "7000-7009",
      "unrelated": "x",
    }),
    {
      externalHostname: null,
      gatewayClass: "cilium",
      enforceHttps: false,
      hstsMaxAge: 0,
      routing: DEFAULT_ROUTING,
      perUnitTcpPorts: "7000-7009",
    },
  );
});

Deno.test("a blank ingress-per-unit-tcp-ports is unset: the default range", () => {
  for (const blank of ["", " ", "\t "]) {
    const config = parseConfig({ "gateway-class": "cilium", "ingress-per-unit-tcp-ports": blank });
    strictEqual("message" in config ? config.message : config.perUnitTcpPorts, "20000-20999");
  }
});

Deno.test("values of the wrong type are an invalid-configuration error naming the field", () => {
  deepStrictEqual(parseConfig({ "hsts-max-age": 1.5 }), {
    option: "hsts-max-age",
    message: "invalid configuration: hsts_max_age",
  });
  deepStrictEqual(parseConfig({ "enforce-https": "yes", "gateway-class": 3 }), {
    option: "gateway-class,enforce-https",
    message: "invalid configuration: gateway_class_name,enforce_https",
  });
});

const DOMAINS: [string, boolean][] = [
  ["example.com", true],
  ["gateway.internal", true],
  ["Example.COM", true],
  ["foo.local", true],
  ["a-b.c-d.example.org", true],
  ["bücher.example", true],
  ["com", false],
  ["localhost", false],
  ["1.2.3.4", false],
  ["a_b.example.com", false],
  ["example.com.", false],
  ["exa mple.com", false],
  ["a__b.com", false],
  ["-a.example.com", false],
  ["a-.example.com", false],
  [`${"a".repeat(64)}.com`, false],
  [`${"a".repeat(63)}.com`, true],
  ["example.c0m1", false],
  ["", false],
];

for (const [domain, valid] of DOMAINS) {
  Deno.test(`isValidDomain(${JSON.stringify(domain)}) is ${valid}`, () => {
    strictEqual(isValidDomain(domain), valid);
  });
}
