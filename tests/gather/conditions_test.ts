/**
 * Reading the controller's conditions out of the listed objects: the Gateway's and its
 * listeners' (with each listener's hostname and port from the spec), and each route's entries of
 * the class's controller for our Gateway; unreadable entries are skipped.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { readConditions } from "../../src/gather/conditions.ts";
import type { KubeObject } from "../../src/k8s/types.ts";

const accepted = (observedGeneration?: number) => ({
  type: "Accepted",
  status: "True",
  reason: "Accepted",
  message: "",
  lastTransitionTime: "2026-01-01T00:00:00Z",
  ...(observedGeneration === undefined ? {} : { observedGeneration }),
});
const CLASSES: KubeObject[] = [{
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "GatewayClass",
  metadata: { name: "cilium" },
  spec: { controllerName: "io.cilium/gateway-controller" },
}];
const gateway: KubeObject = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name: "gw", generation: 3 },
  spec: {
    gatewayClassName: "cilium",
    listeners: [
      { name: "gw-http-a-example-com", hostname: "a.example.com", port: 80, protocol: "HTTP" },
      { name: "gw-http", port: 80, protocol: "HTTP" },
    ],
  },
  status: {
    conditions: [accepted(3), { type: "Programmed", status: "Maybe" }, "junk"],
    listeners: [
      { name: "gw-http-a-example-com", attachedRoutes: 1, conditions: [accepted(2)] },
      { name: "gw-http", attachedRoutes: 0, conditions: [] },
      { name: "gw-https", conditions: "not a list" },
      { conditions: [] },
    ],
  },
};
const route = (parents: unknown): KubeObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "gw-web-http", namespace: "testing", generation: 2 },
  spec: {},
  status: { parents },
});
const parent = (controllerName: string, name = "gw", namespace?: string) => ({
  controllerName,
  parentRef: { name, ...(namespace ? { namespace } : {}) },
  conditions: [accepted(2)],
});

Deno.test("the Gateway's and its listeners' conditions are read; unreadable entries are skipped", () => {
  const read = readConditions(new Map([["Gateway", [gateway]]]), CLASSES, "gw", "testing");
  strictEqual(read.controller, "io.cilium/gateway-controller");
  deepStrictEqual(read.gateway, {
    generation: 3,
    conditions: [{
      type: "Accepted",
      status: "True",
      reason: "Accepted",
      message: "",
      observedGeneration: 3,
    }],
    listeners: [
      {
        name: "gw-http-a-example-com",
        hostname: "a.example.com",
        port: 80,
        conditions: [{
          type: "Accepted",
          status: "True",
          reason: "Accepted",
          message: "",
          observedGeneration: 2,
        }],
      },
      { name: "gw-http", hostname: null, port: 80, conditions: [] },
    ],
  });
});

Deno.test("a route's conditions are only those the class's controller wrote for our Gateway", () => {
  const owned = new Map([["Gateway", [gateway]], [
    "HTTPRoute",
    [route([
      parent("other.example.com/controller"),
      parent("io.cilium/gateway-controller", "other-gateway"),
      parent("io.cilium/gateway-controller", "gw", "elsewhere"),
      parent("io.cilium/gateway-controller", "gw", "testing"),
      parent("io.cilium/gateway-controller"),
      { controllerName: "io.cilium/gateway-controller" },
    ])],
  ]]);
  const read = readConditions(owned, CLASSES, "gw", "testing");
  deepStrictEqual(read.routes.get("HTTPRoute/gw-web-http"), {
    generation: 2,
    conditions: [0, 1].map(() => ({
      type: "Accepted",
      status: "True",
      reason: "Accepted",
      message: "",
      observedGeneration: 2,
    })),
  });
});

Deno.test("without a Gateway or its class there is no controller, and routes say nothing", () => {
  const owned = new Map([["HTTPRoute", [route([parent("io.cilium/gateway-controller")])]]]);
  const read = readConditions(owned, CLASSES, "gw", "testing");
  strictEqual(read.gateway, null);
  strictEqual(read.controller, null);
  deepStrictEqual(read.routes.get("HTTPRoute/gw-web-http")?.conditions, []);
  const noStatus = readConditions(
    new Map([["HTTPRoute", [{ ...route([]), status: undefined }]]]),
    [],
    "gw",
    "testing",
  );
  deepStrictEqual(noStatus.routes.get("HTTPRoute/gw-web-http")?.conditions, []);
});
