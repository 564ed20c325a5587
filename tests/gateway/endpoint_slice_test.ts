/** EndpointSlices of a cross-model backend: one per address family, sorted and de-duplicated,
 * tied to the selector-less Service by label and port name. */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { isSelectorless, renderEndpointSlices } from "../../src/gateway/endpoint_slice.ts";
import { renderService } from "../../src/gateway/objects.ts";

const BACKEND = { model: "other", app: "web", port: 8080, stripPrefix: false };

Deno.test("a same-model backend has no slices and a selector", () => {
  deepStrictEqual(renderEndpointSlices("gw", BACKEND), []);
  strictEqual(isSelectorless(renderService("gw", BACKEND)), false);
});

Deno.test("a cross-model backend: a selector-less Service and one slice per address family", () => {
  const backend = { ...BACKEND, addresses: ["10.0.0.9", "fd00::1", "10.0.0.2", "10.0.0.9"] };
  strictEqual(isSelectorless(renderService("gw", backend)), true);
  const slices = renderEndpointSlices("gw", backend) as unknown as {
    metadata: { name: string; labels: Record<string, string> };
    addressType: string;
    endpoints: { addresses: string[] }[];
    ports: unknown[];
  }[];
  deepStrictEqual(slices.map((slice) => [slice.metadata.name, slice.addressType]), [
    ["gw-web-service", "IPv4"],
    ["gw-web-service-ipv6", "IPv6"],
  ]);
  deepStrictEqual(slices[0].endpoints.map((e) => e.addresses), [["10.0.0.2"], ["10.0.0.9"]]);
  deepStrictEqual(slices[1].endpoints.map((e) => e.addresses), [["fd00::1"]]);
  for (const slice of slices) {
    strictEqual(slice.metadata.labels["kubernetes.io/service-name"], "gw-web-service");
    deepStrictEqual(slice.ports, [{ name: "tcp-8080", port: 8080, protocol: "TCP" }]);
  }
  deepStrictEqual(renderEndpointSlices("gw", { ...backend, addresses: ["fd00::1"] }).length, 1);
});
