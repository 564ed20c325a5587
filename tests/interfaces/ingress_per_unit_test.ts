/**
 * The ingress_per_unit v0 wire format against the reference (interfaces.md §2): the example
 * databags, the library's unit rules (plain strings, `int()` ports, flags true only as "true"),
 * what we refuse beyond them, and the provider's `ingress` YAML as `yaml.safe_load` reads it.
 */
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
// deno-lint-ignore no-import-prefix -- test-only dependency, kept out of deno.json
import { Ajv } from "npm:ajv@8.17.1";
import { parse as parseYaml } from "yaml";
import {
  parsePerUnitDataOrError,
  parseUnitRequest,
  parseUnitUrls,
  PerUnitDataError,
  renderPerUnitProvider,
  renderUnitUrls,
} from "../../src/interfaces/ingress_per_unit.ts";

const DATA = new URL("../../../shared/reference/data/interfaces/", import.meta.url);
const EXAMPLES = JSON.parse(
  await Deno.readTextFile(new URL("_examples/ingress_per_unit_v0.json", DATA)),
);
const SCHEMAS = JSON.parse(
  await Deno.readTextFile(new URL("./ingress_per_unit_schemas.json", import.meta.url)),
);
const ajv = new Ajv();
const requirerSchema = ajv.compile(SCHEMAS.requirer_unit);
const providerSchema = ajv.compile(SCHEMAS.provider_app);

const UNIT = {
  model: "cos",
  name: "prometheus/0",
  host: "prometheus-0.prometheus-endpoints.cos.svc.cluster.local",
  port: "9090",
};

Deno.test("the reference unit databags parse, flags as the library reads them", () => {
  const units = EXAMPLES.requirer_units as Record<string, Record<string, string>>;
  for (const [unit, data] of Object.entries(units)) {
    strictEqual(requirerSchema(data), true, unit);
  }
  deepStrictEqual(parseUnitRequest("prometheus/1", units["prometheus/1"]), {
    unit: "prometheus/1",
    model: "cos",
    host: "prometheus-1.prometheus-endpoints.cos.svc.cluster.local",
    port: 9090,
    mode: "http",
    scheme: "http",
    stripPrefix: true,
    redirectHttps: false,
  });
  strictEqual(parseUnitRequest("prometheus/0", units["prometheus/0"]).stripPrefix, false);
});

Deno.test('mode, scheme and the flags default as the library\'s; only "true" is true', () => {
  const request = parseUnitRequest("prometheus/0", {
    ...UNIT,
    "strip-prefix": "True",
    "redirect-https": "true",
  });
  deepStrictEqual(
    [request.mode, request.scheme, request.stripPrefix, request.redirectHttps],
    ["http", "http", false, true],
  );
  strictEqual(parseUnitRequest("prometheus/0", { ...UNIT, mode: "tcp" }).mode, "tcp");
});

Deno.test("ports are read as Python's int() reads them, within 1-65535", () => {
  for (
    const [port, expected] of [[" 9090 ", 9090], ["+80", 80], ["1_000", 1000], ["65535", 65535]]
  ) {
    strictEqual(parseUnitRequest("prometheus/0", { ...UNIT, port: port as string }).port, expected);
  }
  for (const port of ["0", "65536", "-1", "9090.0", "0x50", "http", "1__0"]) {
    throws(() => parseUnitRequest("prometheus/0", { ...UNIT, port }), PerUnitDataError, port);
  }
});

const REFUSED: [string, Record<string, string>, string][] = [
  [
    "prometheus/0",
    { ...UNIT, model: "Cos" },
    'unit prometheus/0: model "Cos" is not a Juju model name',
  ],
  [
    "prometheus/0",
    { ...UNIT, name: "prometheus/1" },
    'unit prometheus/0: name "prometheus/1" is not the unit\'s name',
  ],
  [
    "prometheus/0",
    { ...UNIT, mode: "udp" },
    'unit prometheus/0: mode "udp" is not "http" or "tcp"',
  ],
  [
    "prometheus/0",
    { ...UNIT, scheme: "h2c" },
    'unit prometheus/0: scheme "h2c" is not "http" or "https"',
  ],
  [
    "prometheus/0",
    { model: "cos", name: "prometheus/0" },
    'unit prometheus/0: "host", "port" missing',
  ],
];

for (const [unit, data, message] of REFUSED) {
  Deno.test(`a unit is refused with: ${message}`, () => {
    deepStrictEqual(parsePerUnitDataOrError(unit, data), { unit, request: null, error: message });
  });
}

Deno.test("a unit that has written nothing is pending, not refused", () => {
  deepStrictEqual(parsePerUnitDataOrError("prometheus/0", {}), {
    unit: "prometheus/0",
    request: null,
    error: null,
  });
  deepStrictEqual(parsePerUnitDataOrError("prometheus/0", { port: "" }).error, null);
});

Deno.test("the provider databag is byte for byte the reference's, HTTP and TCP", () => {
  const http = new Map([
    ["prometheus/1", "http://10.43.8.34/cos-prometheus-1"],
    ["prometheus/0", "http://10.43.8.34/cos-prometheus-0"],
  ]);
  deepStrictEqual(renderPerUnitProvider(http), EXAMPLES.provider_app_http);
  deepStrictEqual(
    renderPerUnitProvider(new Map([["kafka/0", "10.43.8.34:9093"]])),
    EXAMPLES.provider_app_tcp_mode,
  );
  deepStrictEqual(renderPerUnitProvider(new Map()), { ingress: "" });
});

Deno.test("every URL reads back through YAML as the library reads it, and through our parser", () => {
  const urls = new Map([
    ["prometheus/10", "http://[fd00::1]/cos-prometheus-10"],
    ["prometheus/2", "https://gw.example.com/cos-prometheus-2"],
    ["kafka/0", "[fd00::1]:20000"],
    ["kafka/1", "10.0.0.9:20001"],
    ["kafka/2", "lb.example.com:20002"],
    ["odd/0", "http://x/a: b #c"],
  ]);
  const raw = renderUnitUrls(urls);
  const loaded = parseYaml(raw) as Record<string, { url: string }>;
  strictEqual(providerSchema({ ingress: loaded }), true);
  deepStrictEqual(
    Object.fromEntries(Object.entries(loaded).map(([unit, { url }]) => [unit, url])),
    Object.fromEntries(urls),
  );
  deepStrictEqual(Object.keys(loaded), [...urls.keys()].sort(), "sorted as safe_dump sorts");
  deepStrictEqual(parseUnitUrls(raw), new Map([...urls].sort(([a], [b]) => (a < b ? -1 : 1))));
  deepStrictEqual(parseUnitUrls(undefined), new Map());
  strictEqual(parseUnitUrls("{prometheus/0: {url: x}}"), null, "not ours: rewritten whole");
});
