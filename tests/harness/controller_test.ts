/**
 * The fake cluster's controller (`acceptAll`) does as a Gateway controller does: a route is
 * Accepted only where one of its parents has the listener it names and a hostname in common.
 */
import { deepStrictEqual } from "node:assert/strict";
import { startCluster } from "../cluster.ts";
import type { KubeObject } from "../../src/k8s/types.ts";

const route = (name: string, sectionName: string, hostnames: string[]): KubeObject => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name, namespace: "testing" },
  spec: { parentRefs: [{ name: "gw", sectionName }], hostnames, rules: [{}] },
});

Deno.test("acceptAll: Accepted where a listener and a hostname meet, else why not", async () => {
  const cluster = await startCluster();
  try {
    cluster.server.seed({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "gw", namespace: "testing" },
      spec: {
        gatewayClassName: "cilium",
        listeners: [
          { name: "a", port: 80, protocol: "HTTP", hostname: "a.example.com" },
          { name: "any", port: 80, protocol: "HTTP" },
          { name: "wild", port: 80, protocol: "HTTP", hostname: "*.example.org" },
        ],
      },
    });
    const routes: [KubeObject, string][] = [
      [route("same", "a", ["a.example.com"]), "Accepted"],
      [route("none-given", "a", []), "Accepted"],
      [route("other-host", "a", ["b.example.com"]), "NoMatchingListenerHostname"],
      [route("any-listener", "any", ["b.example.com"]), "Accepted"],
      [route("below-wildcard", "wild", ["x.example.org"]), "Accepted"],
      [route("the-wildcard-base", "wild", ["example.org"]), "NoMatchingListenerHostname"],
      [route("route-wildcard", "a", ["*.example.com"]), "Accepted"],
      [route("no-listener", "missing", ["a.example.com"]), "NoMatchingParent"],
    ];
    for (const [object] of routes) cluster.server.seed(object);
    await cluster.acceptAll("gw");
    for (const [object, reason] of routes) {
      const live = cluster.objects("HTTPRoute").find((r) =>
        r.metadata.name === object.metadata.name
      );
      const accepted = (live as unknown as {
        status: { parents: { conditions: { type: string; reason: string }[] }[] };
      }).status.parents[0].conditions.find((c) => c.type === "Accepted");
      deepStrictEqual(accepted?.reason, reason, object.metadata.name);
    }
  } finally {
    await cluster.close();
  }
});
