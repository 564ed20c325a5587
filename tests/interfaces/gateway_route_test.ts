/**
 * The gateway-route v1 wire format, provider side: requirer hostnames under the FQDN rule of the
 * v1 library, and the provider databag exactly as ops `Relation.save` writes it.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  GatewayRouteDataError,
  type GatewayRouteProviderData,
  parseGatewayRouteRequest,
  renderGatewayRouteProvider,
} from "../../src/interfaces/gateway_route.ts";

const DATA = new URL("../../../shared/reference/data/interfaces/", import.meta.url);
const EXAMPLES = JSON.parse(
  await Deno.readTextFile(new URL("_examples/gateway_route_v1.json", DATA)),
) as Record<string, unknown>;

function example(key: string): Record<string, string> {
  const value = EXAMPLES[key];
  ok(typeof value === "object" && value !== null && !Array.isArray(value), `${key}: not an object`);
  for (const item of Object.values(value)) strictEqual(typeof item, "string");
  return value as Record<string, string>;
}

// --- the requirer databag ---

Deno.test("example: requirer with a hostname and an additional one", () => {
  deepStrictEqual(parseGatewayRouteRequest(example("requirer_app")), {
    hostnames: ["example.com", "www.example.com"],
  });
});

Deno.test("example: requirer with no hostname (IP mode)", () => {
  deepStrictEqual(parseGatewayRouteRequest(example("requirer_app_ip_only")), { hostnames: [] });
});

Deno.test("every example databag of the file is covered", () => {
  deepStrictEqual(Object.keys(EXAMPLES).sort(), [
    "_note",
    "provider_app_enforced",
    "provider_app_http_only",
    "requirer_app",
    "requirer_app_ip_only",
  ]);
});

const VALID: [string, Record<string, string>, string[]][] = [
  ["an empty databag", {}, []],
  ["deleted keys", { hostname: "", additional_hostnames: "" }, []],
  ["hostname only", { hostname: '"a.example.com"' }, ["a.example.com"]],
  ["hostname null", { hostname: "null", additional_hostnames: '["b.example.com"]' }, [
    "b.example.com",
  ]],
  ["additional only, order kept", { additional_hostnames: '["b.example.com", "a.example.com"]' }, [
    "b.example.com",
    "a.example.com",
  ]],
  ["lower-cased", { hostname: '"Example.COM"' }, ["example.com"]],
  [
    "repeats removed, also across case",
    { hostname: '"a.example.com"', additional_hostnames: '["A.example.com", "b.example.com"]' },
    ["a.example.com", "b.example.com"],
  ],
  ["unicode hostname", { hostname: '"bücher.example"' }, ["bücher.example"]],
  ["punycode hostname", { hostname: '"xn--bcher-kva.example"' }, ["xn--bcher-kva.example"]],
  ["hyphens and digits", { hostname: '"my-app2.k8s-1.example.io"' }, ["my-app2.k8s-1.example.io"]],
  ["unknown keys ignored", { hostname: '"a.example.com"', paths: "not json", model: '"m"' }, [
    "a.example.com",
  ]],
];
for (const [name, data, hostnames] of VALID) {
  Deno.test(`requirer data valid: ${name}`, () => {
    deepStrictEqual(parseGatewayRouteRequest(data), { hostnames });
  });
}

const INVALID: [string, Record<string, string>, string][] = [
  ["hostname not JSON", { hostname: "example.com" }, 'field "hostname" is not JSON: "example.com"'],
  [
    "additional_hostnames not JSON",
    { additional_hostnames: "[a.example.com]" },
    'field "additional_hostnames" is not JSON: "[a.example.com]"',
  ],
  [
    "an IPv4 address",
    { hostname: '"10.0.0.1"' },
    'field "hostname" is not a valid hostname: "10.0.0.1"',
  ],
  ["an IPv6 address", { hostname: '"::1"' }, 'field "hostname" is not a valid hostname: "::1"'],
  [
    "a trailing dot",
    { hostname: '"example.com."' },
    'field "hostname" is not a valid hostname: "example.com."',
  ],
  [
    "a single label",
    { hostname: '"localhost"' },
    'field "hostname" is not a valid hostname: "localhost"',
  ],
  ["empty", { hostname: '""' }, 'field "hostname" is not a valid hostname: ""'],
  [
    "whitespace",
    { hostname: '"a b.example.com"' },
    'field "hostname" is not a valid hostname: "a b.example.com"',
  ],
  [
    "double underscore",
    { hostname: '"a__b.example.com"' },
    'field "hostname" is not a valid hostname: "a__b.example.com"',
  ],
  [
    "label starting with a hyphen",
    { hostname: '"-a.example.com"' },
    'field "hostname" is not a valid hostname: "-a.example.com"',
  ],
  [
    "a wildcard",
    { hostname: '"*.example.com"' },
    'field "hostname" is not a valid hostname: "*.example.com"',
  ],
  [
    "a URL",
    { hostname: '"https://example.com"' },
    'field "hostname" is not a valid hostname: "https://example.com"',
  ],
  ["hostname a number", { hostname: "42" }, 'field "hostname" must be a string'],
  ["hostname a list", { hostname: '["a.example.com"]' }, 'field "hostname" must be a string'],
  [
    "additional_hostnames a string",
    { additional_hostnames: '"a.example.com"' },
    'field "additional_hostnames" must be a list of hostnames',
  ],
  [
    "additional_hostnames null (the library's list has no None)",
    { additional_hostnames: "null" },
    'field "additional_hostnames" must be a list of hostnames',
  ],
  [
    "an IP among additional_hostnames",
    { hostname: '"a.example.com"', additional_hostnames: '["b.example.com", "10.0.0.1"]' },
    'field "additional_hostnames[1]" is not a valid hostname: "10.0.0.1"',
  ],
  [
    "a trailing dot among additional_hostnames",
    { additional_hostnames: '["b.example.com."]' },
    'field "additional_hostnames[0]" is not a valid hostname: "b.example.com."',
  ],
  [
    "a number among additional_hostnames",
    { additional_hostnames: "[1]" },
    'field "additional_hostnames[0]" must be a string',
  ],
  // python-validators accepts these; the Gateway's hostname pattern and limits do not.
  [
    "an underscore in the last label",
    { hostname: '"app.exa_mple"' },
    'field "hostname" "app.exa_mple" is not a Gateway API hostname (lower-case letters, ' +
    'digits, "-" and "." only)',
  ],
  [
    "longer than 253 characters",
    { hostname: JSON.stringify(`${"a".repeat(60)}.`.repeat(5) + "com") },
    `field "hostname" ${JSON.stringify((`${"a".repeat(60)}.`.repeat(5) + "com").slice(0, 100))} ` +
    "is longer than 253 characters",
  ],
  [
    "an underscore among additional_hostnames",
    { additional_hostnames: '["ok.example.com", "b.c_d"]' },
    'field "additional_hostnames[1]" "b.c_d" is not a Gateway API hostname (lower-case ' +
    'letters, digits, "-" and "." only)',
  ],
];
for (const [name, data, message] of INVALID) {
  Deno.test(`requirer data invalid: ${name}`, () => {
    throws(() => parseGatewayRouteRequest(data), (error) => {
      ok(error instanceof GatewayRouteDataError);
      strictEqual(error.message, `requirer application ${message}`);
      return true;
    });
  });
}

// --- the provider databag ---

const ENFORCED: GatewayRouteProviderData = {
  gatewayName: "gateway-api-integrator",
  gatewayModel: "ingress",
  httpsMode: "enforced",
  gatewayAddress: "10.43.45.1",
  hstsMaxAge: 31536000,
};

Deno.test("example: provider databag with HTTPS enforced, byte for byte", () => {
  deepStrictEqual(renderGatewayRouteProvider(ENFORCED), example("provider_app_enforced"));
});

Deno.test("example: provider databag over plain HTTP, hsts_max_age null", () => {
  deepStrictEqual(
    renderGatewayRouteProvider({ ...ENFORCED, httpsMode: "disabled", hstsMaxAge: null }),
    example("provider_app_http_only"),
  );
});

Deno.test("provider databag: every field written, null included, JSON per key", () => {
  const rendered = renderGatewayRouteProvider({
    gatewayName: "gw",
    gatewayModel: "edge",
    httpsMode: "enabled",
    gatewayAddress: null,
    hstsMaxAge: null,
  });
  deepStrictEqual(rendered, {
    gateway_address: "null",
    gateway_model: '"edge"',
    gateway_name: '"gw"',
    hsts_max_age: "null",
    https_mode: '"enabled"',
  });
  deepStrictEqual(Object.keys(rendered), Object.keys(rendered).sort());
});

Deno.test("provider databag: hsts_max_age 0 is an integer, not null", () => {
  strictEqual(renderGatewayRouteProvider({ ...ENFORCED, hstsMaxAge: 0 }).hsts_max_age, "0");
});

Deno.test("provider databag: strings escaped as Python's json.dumps does", () => {
  strictEqual(
    renderGatewayRouteProvider({ ...ENFORCED, gatewayName: 'é"\u007f' }).gateway_name,
    '"\\u00e9\\"\\u007f"',
  );
});

for (const hstsMaxAge of [-1, 1.5, Number.NaN, 2 ** 60]) {
  Deno.test(`provider databag: hsts_max_age ${hstsMaxAge} refused`, () => {
    throws(
      () => renderGatewayRouteProvider({ ...ENFORCED, hstsMaxAge }),
      (error) => error instanceof GatewayRouteDataError && error.message.includes('"hsts_max_age"'),
    );
  });
}
