/**
 * The per-unit part of the decision with plain values: which routes a unit gets in each HTTPS
 * situation, which URLs are published, and that a unit whose object was refused is skipped alone.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { decidePerUnit, type PerUnitHttpContext } from "../../src/decide/ingress_per_unit.ts";
import { parsePerUnitDataOrError } from "../../src/interfaces/ingress_per_unit.ts";
import type { PerUnitRequirer } from "../../src/world.ts";
import { unitData } from "../ingress_per_unit_fixtures.ts";

const HTTP: PerUnitHttpContext = {
  route: { gateway: "gw", namespace: "testing", host: "gw.example.com" },
  base: "http://gw.example.com",
  https: false,
  enforceHttps: false,
  hstsMaxAge: 31536000,
};
const NO_TCP = { url: () => null, invalid: [] };
const HTTPS: PerUnitHttpContext = { ...HTTP, base: "https://gw.example.com", https: true };

function requirer(
  units: Record<string, Record<string, string>>,
  current?: string,
): PerUnitRequirer {
  return {
    relation: { id: 1, endpoint: "ingress-per-unit" },
    app: "web",
    units: Object.entries(units).map(([unit, data]) => parsePerUnitDataOrError(unit, data)),
    error: null,
    current,
    currentUrls: null,
  };
}

const routeShapes = (routes: readonly { metadata: { name: string }; spec?: unknown }[]) =>
  routes.map((route) => {
    const spec = route.spec as { rules: { filters: { type: string }[] }[] };
    return [route.metadata.name, spec.rules[0].filters.map((filter) => filter.type)];
  });

const TABLE: [string, PerUnitHttpContext, Record<string, string>, unknown][] = [
  ["plain HTTP", HTTP, {}, [["gw-web-0-http", []]]],
  ["redirect-https without HTTPS: forwarded", HTTP, { "redirect-https": "true" }, [[
    "gw-web-0-http",
    [],
  ]]],
  ["HTTPS served: both listeners", HTTPS, {}, [["gw-web-0-http", []], ["gw-web-0-https", []]]],
  ["redirect-https with HTTPS: HTTP redirects", HTTPS, { "redirect-https": "true" }, [
    ["gw-web-0-http", ["RequestRedirect"]],
    ["gw-web-0-https", []],
  ]],
  ["enforced: HTTPS only, with HSTS", { ...HTTPS, enforceHttps: true }, {}, [[
    "gw-web-0-https",
    ["ResponseHeaderModifier"],
  ]]],
  ["strip-prefix", HTTPS, { "strip-prefix": "true" }, [
    ["gw-web-0-http", ["URLRewrite"]],
    ["gw-web-0-https", ["URLRewrite"]],
  ]],
];

for (const [name, http, extra, expected] of TABLE) {
  Deno.test(`per-unit routes: ${name}`, () => {
    const decision = decidePerUnit(
      "gw",
      [requirer({ "web/0": unitData("web/0", extra) })],
      http,
      [],
      NO_TCP,
    );
    deepStrictEqual(routeShapes(decision.routes as never), expected);
    strictEqual(decision.services.length, 1);
  });
}

Deno.test("the URL map is written only when it differs from what is published", () => {
  const units = { "web/0": unitData("web/0") };
  const first = decidePerUnit("gw", [requirer(units)], HTTPS, [], NO_TCP);
  deepStrictEqual(first.writes.map((write) => write.data), [{
    ingress: "web/0:\n  url: https://gw.example.com/testing-web-0\n",
  }]);
  const again = decidePerUnit(
    "gw",
    [requirer(units, first.writes[0].data.ingress)],
    HTTPS,
    [],
    NO_TCP,
  );
  deepStrictEqual(again.writes, []);
  const noAddress = decidePerUnit("gw", [requirer(units)], { ...HTTP, base: null }, [], NO_TCP);
  deepStrictEqual(noAddress.writes, [], "nothing published and nothing to publish yet");
  strictEqual(noAddress.services.length, 1, "the objects are built all the same");
});

Deno.test("a unit whose object the API refused is skipped alone and named", () => {
  const units = { "web/0": unitData("web/0"), "web/1": unitData("web/1") };
  const decision = decidePerUnit("gw", [requirer(units)], HTTP, [{
    object: "Service/gw-web-1-service",
    detail: "Service/gw-web-1-service: spec.ports: bad",
  }], NO_TCP);
  deepStrictEqual(decision.services.map((service) => service.metadata.name), ["gw-web-0-service"]);
  deepStrictEqual(decision.refused, ["web/1: Service/gw-web-1-service: spec.ports: bad"]);
  deepStrictEqual(decision.writes.map((write) => write.data), [{
    ingress: "web/0:\n  url: http://gw.example.com/testing-web-0\n",
  }]);
});
