/**
 * A kind the cluster does not serve (an optional CRD, such as TCPRoute, not installed): in an
 * isolated set each desired object is refused alone and the other kinds still converge; in a
 * set that is not isolated the failure stops the reconcile as any other does.
 */
import { deepStrictEqual, rejects } from "node:assert/strict";
import type { KubeClient } from "../../src/k8s/client.ts";
import { reconcileOwned } from "../../src/k8s/reconcile.ts";
import { KINDS, KubeError, type KubeObject } from "../../src/k8s/types.ts";

function clientWithout(unserved: string) {
  const log: string[] = [];
  const missing = () =>
    new KubeError("not-found", "the server could not find the requested resource", {
      object: unserved,
    });
  const client: KubeClient = {
    namespace: "demo",
    fieldManager: "gai",
    requests: 0,
    retries: 0,
    get: (kind, name) => {
      log.push(`get ${kind.kind}/${name}`);
      return kind.plural === unserved ? Promise.reject(missing()) : Promise.resolve(null);
    },
    list: (kind) => {
      log.push(`list ${kind.kind}`);
      return kind.plural === unserved ? Promise.reject(missing()) : Promise.resolve([]);
    },
    apply: (kind, object) => {
      log.push(`apply ${kind.kind}/${object.metadata.name}`);
      return Promise.resolve(object);
    },
    mergePatch: () => Promise.reject(new Error("not used")),
    delete: () => Promise.reject(new Error("not used")),
  };
  return { client, log };
}

const route: KubeObject = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "TCPRoute",
  metadata: { name: "r" },
  spec: { rules: [{ backendRefs: [{ name: "s", port: 1 }] }] },
};
const service: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "s" } };

Deno.test("an isolated set of an unserved kind refuses its objects and the rest converges", async () => {
  const { client, log } = clientWithout("tcproutes");
  const report = await reconcileOwned(client, "gai", [
    { kind: KINDS.tcpRoute, objects: [route], isolated: true },
    { kind: KINDS.service, objects: [service], isolated: true },
  ]);
  deepStrictEqual(report.rejected.map((r) => [r.object, r.error.kind, r.error.message]), [[
    "TCPRoute/r",
    "invalid",
    "the cluster does not serve TCPRoute (gateway.networking.k8s.io/v1): install its CRD",
  ]]);
  deepStrictEqual(report.applied, ["Service/s"]);
  deepStrictEqual(log, ["list TCPRoute", "list Service", "get Service/s", "apply Service/s"]);
});

Deno.test("an isolated set of an unserved kind with nothing desired is nothing to do", async () => {
  const { client } = clientWithout("tcproutes");
  const report = await reconcileOwned(client, "gai", [
    { kind: KINDS.tcpRoute, objects: [], isolated: true },
  ]);
  deepStrictEqual(report.rejected, []);
});

Deno.test("a set of an unserved kind that is not isolated fails the reconcile", async () => {
  const { client } = clientWithout("tcproutes");
  await rejects(
    reconcileOwned(client, "gai", [{ kind: KINDS.tcpRoute, objects: [route] }]),
    (error) => error instanceof KubeError && error.kind === "not-found",
  );
});
