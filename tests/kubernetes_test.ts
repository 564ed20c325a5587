/**
 * Black-box: the packed charm against the fake API server over HTTPS, once per transport (the
 * fetch one the configuration picks, and client-node forced) and per server: HTTP/1.1 only, and
 * HTTP/2 offered by ALPN as kube-apiserver does (both transports take it):
 * a first deploy creates every object and the next hook sends no write; client-certificate
 * credentials work; an API server that stops answering fails the hook (so Juju retries it)
 * instead of hanging it; a dropped connection is retried.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type ClusterOptions, startCluster } from "./cluster.ts";
import type { HookEvent, JujuState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { TRANSPORTS } from "../src/k8s/client.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const STATE: JujuState = {
  leader: true,
  config: { "enforce-https": false, "gateway-class": "cilium" },
  relations: [{
    id: 1,
    endpoint: "gateway",
    remoteApp: "web",
    remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
    remoteUnits: { "web/0": { host: '"web-0.web-endpoints"' } },
  }],
};

async function withCluster(
  options: ClusterOptions,
  test: (c: Awaited<ReturnType<typeof startCluster>>) => Promise<void>,
) {
  const cluster = await startCluster({ tls: true, ...options });
  try {
    await test(cluster);
  } finally {
    await cluster.close();
  }
}

for (const http2 of [false, true]) {
  for (const transport of TRANSPORTS) {
    const over = http2 ? "over HTTPS with HTTP/2 offered" : "over HTTPS";
    // Both transports take HTTP/2 when it is offered (client-node's requests go through Deno's
    // node:https, whose client negotiates it too).
    const version = http2 ? "2.0" : "1.1";
    Deno.test(`${over} with ${transport}: a first deploy creates every object, the next hook writes nothing`, () =>
      withCluster({ transport, http2 }, async (cluster) => {
        const first = await runHook(charmDir, STATE, CHANGED, { env: cluster.env });
        strictEqual(first.exitCode, 0, first.stderr);
        deepStrictEqual(cluster.objects("Gateway").map((g) => g.metadata.name), [APP]);
        deepStrictEqual(cluster.objects("HTTPRoute").map((r) => r.metadata.name), [
          `${APP}-web-http`,
        ]);
        deepStrictEqual(cluster.objects("Service").map((s) => s.metadata.name), [
          `${APP}-web-service`,
        ]);
        ok(cluster.server.requests.every((request) => request.authenticatedBy === "token"));
        deepStrictEqual(
          [...new Set(cluster.server.requests.map((request) => request.httpVersion))],
          [version],
        );
        cluster.setGatewayAddresses(APP, [{ value: "10.0.0.1" }]);
        cluster.server.resetLog();
        const second = await runHook(charmDir, first.state, CHANGED, { env: cluster.env });
        strictEqual(second.exitCode, 0, second.stderr);
        deepStrictEqual(second.state.unitStatus, {
          status: "active",
          message: "Gateway addresses: 10.0.0.1 (enforce-https is set to false)",
        });
        deepStrictEqual(cluster.server.requests.filter((request) => request.method !== "GET"), []);
      }));

    Deno.test(`${over} with ${transport}: a client certificate kubeconfig works`, () =>
      withCluster({ transport, http2, auth: "client-certificate" }, async (cluster) => {
        const result = await runHook(charmDir, STATE, CHANGED, { env: cluster.env });
        strictEqual(result.exitCode, 0, result.stderr);
        strictEqual(cluster.objects("Gateway").length, 1);
        ok(cluster.server.requests.length > 0);
        ok(
          cluster.server.requests.every((request) =>
            request.authenticatedBy === "client-certificate" && request.httpVersion === version
          ),
        );
      }));

    Deno.test(`${over} with ${transport}: a connection dropped without an answer is retried`, () =>
      withCluster({ transport, http2 }, async (cluster) => {
        cluster.server.fault({ method: "GET", resource: "gateways", reset: true, times: 1 });
        const result = await runHook(charmDir, STATE, CHANGED, { env: cluster.env });
        strictEqual(result.exitCode, 0, result.stderr);
        ok(cluster.server.requests.some((request) => request.reset));
        strictEqual(cluster.objects("Gateway").length, 1);
      }));

    Deno.test(`${over} with ${transport}: an API server that stops answering fails the hook, bounded`, () =>
      withCluster({ transport, http2 }, async (cluster) => {
        cluster.server.fault({ method: "GET", timeout: true });
        const result = await runHook(charmDir, STATE, CHANGED, {
          env: { ...cluster.env, GATEWAY_API_INTEGRATOR_K8S_TIMEOUT_MS: "300" },
        });
        strictEqual(result.exitCode, 1, result.stderr);
        ok(
          result.logs.some((log) =>
            log.level === "ERROR" && log.message.includes("no answer within 300 ms")
          ),
          JSON.stringify(result.logs),
        );
        ok(cluster.server.requests.some((request) => request.hung));
      }));
  }
}

Deno.test("the hook's bound on all requests together fails the hook too", () =>
  withCluster({}, async (cluster) => {
    cluster.server.fault({ method: "GET", timeout: true });
    const result = await runHook(charmDir, STATE, CHANGED, {
      env: { ...cluster.env, GATEWAY_API_INTEGRATOR_K8S_HOOK_TIMEOUT_MS: "300" },
    });
    strictEqual(result.exitCode, 1, result.stderr);
    ok(
      result.logs.some((log) =>
        log.message.includes("all requests of this hook took more than 300 ms")
      ),
      JSON.stringify(result.logs),
    );
  }));
