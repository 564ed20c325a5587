/**
 * Black-box scenarios with several units (the fake's `FakeApp`): the leader reconciles, every
 * other unit is an Active standby naming it and writes nothing; leadership moves and the new
 * leader converges in its first hook with no Kubernetes write, the same private key and no new
 * CSR; scaling down deletes nothing while units remain.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Cluster } from "./cluster.ts";
import { FakeApp } from "./harness/juju/model.ts";
import type { HookEvent, HookResult, JujuState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { createTestCa } from "./harness/tls_ca.ts";
import { ingressRequirer as requirer, ok0, withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const PEERS = { endpoint: "gateway-peers", id: 0 };
const charmDir = await packedCharmDir();
const ca = await createTestCa();

const hook = (name: string): HookEvent => ({ kind: "hook", name });
/** The peer databag's copy of our databag in ingress relation 1 (src/interfaces/peers.ts). */
const copied = (url: string | null) => ({
  "ingress-1": JSON.stringify(url === null ? {} : { ingress: JSON.stringify({ url }) }),
});
/** Hook tools that change something (status-set and juju-log are immediate, not state). */
const WRITING_TOOLS = ["relation-set", "secret-add", "secret-set", "secret-remove", "state-set"];

function model(units: number[], config: JujuState["config"], tls: boolean): FakeApp {
  return new FakeApp({
    app: APP,
    units,
    leader: units[0],
    peers: PEERS,
    config,
    relations: [
      requirer(1, "web"),
      ...(tls
        ? [{ id: 2, endpoint: "certificates", remoteApp: "ca", remoteUnits: { "ca/0": {} } }]
        : []),
    ],
  });
}

function runner(cluster: Cluster) {
  return (state: JujuState, event: HookEvent) =>
    runHook(charmDir, state, event, { env: cluster.env });
}

const kubeWrites = (cluster: Cluster) =>
  cluster.server.resourceRequests().filter((request) => request.method !== "GET");

/** The provider signs every CSR in our databag. */
async function issue(app: FakeApp): Promise<void> {
  const relation = app.relation(2);
  const csrs = JSON.parse(relation.localAppData?.certificate_signing_requests ?? "[]") as {
    certificate_signing_request: string;
  }[];
  const certificates = await Promise.all(
    csrs.map((csr) => ca.issue(csr.certificate_signing_request)),
  );
  relation.remoteAppData = { certificates: JSON.stringify(certificates) };
}

function assertStandby(result: HookResult, leader: string) {
  ok0(result);
  deepStrictEqual(result.state.unitStatus, {
    status: "active",
    message: `standby: ${leader} reconciles`,
  });
  const writing = result.toolCalls.filter((call) => WRITING_TOOLS.includes(call.tool));
  deepStrictEqual(writing, [], "a standby writes nothing");
}

Deno.test("two units: the leader reconciles, the other is an Active standby naming it and writes nothing", () =>
  withCluster(async (cluster) => {
    const app = model([0, 1], { "enforce-https": false, "gateway-class": "cilium" }, false);
    const run = runner(cluster);
    ok0(await app.run(0, hook("config-changed"), run));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    ok0(await app.run(0, hook("update-status"), run));
    deepStrictEqual(app.status(0), {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });
    deepStrictEqual(app.peerAppData, {
      leader: `${APP}/0`,
      ...copied("http://10.0.0.9/testing-web"),
    });
    cluster.server.resetLog();
    for (const event of [hook("leader-settings-changed"), hook("start"), hook("upgrade-charm")]) {
      assertStandby(await app.run(1, event, run), `${APP}/0`);
    }
    // Events that cannot change what a standby says: it asks is-leader and is done.
    for (
      const event of [
        hook("config-changed"),
        hook("update-status"),
        { kind: "relation", name: "changed", relationId: 1, remoteUnit: "web/0" } as HookEvent,
      ]
    ) {
      const result = ok0(await app.run(1, event, run));
      deepStrictEqual(result.toolCalls.map((call) => call.tool), ["is-leader"]);
    }
    deepStrictEqual(app.status(1), { status: "active", message: `standby: ${APP}/0 reconciles` });
    deepStrictEqual(kubeWrites(cluster), [], "no Kubernetes request from a standby");
    strictEqual(cluster.server.resourceRequests().length, 0);
  }));

Deno.test("leadership moves: the new leader converges with no Kubernetes write, the same key and no new CSR", () =>
  withCluster(async (cluster) => {
    const app = model(
      [0, 1, 2],
      { "external-hostname": "gw.example.com", "gateway-class": "cilium" },
      true,
    );
    const run = runner(cluster);
    ok0(await app.run(0, hook("config-changed"), run));
    await issue(app);
    ok0(await app.run(0, { kind: "relation", name: "changed", relationId: 2 }, run));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    ok0(await app.run(0, hook("update-status"), run));
    deepStrictEqual(app.status(0), { status: "active", message: "Gateway addresses: 10.0.0.9" });
    const key = structuredClone(app.secrets);
    const csrs = app.relation(2).localAppData?.certificate_signing_requests;
    ok(csrs !== undefined && key.length > 0);
    for (const unit of [1, 2]) {
      assertStandby(await app.run(unit, hook("leader-settings-changed"), run), `${APP}/0`);
    }

    // Unit 0 loses the lease; unit 2 is elected.
    app.leader = 2;
    cluster.server.resetLog();
    const elected = ok0(await app.run(2, hook("leader-elected"), run));
    deepStrictEqual(kubeWrites(cluster), [], "no object is written again");
    deepStrictEqual(elected.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9",
    });
    deepStrictEqual(app.secrets, key, "the application's key and certificate secrets are kept");
    strictEqual(app.relation(2).localAppData?.certificate_signing_requests, csrs, "no new CSR");
    deepStrictEqual(
      elected.toolCalls.filter((call) => WRITING_TOOLS.includes(call.tool)).map((call) =>
        call.args
      ),
      [["-r", "gateway-peers:0", "--app", "--file", "-"]],
      "its only write names it in the peer databag",
    );
    deepStrictEqual(app.peerAppData, {
      leader: `${APP}/2`,
      ...copied("https://gw.example.com/testing-web"),
    });
    const url = app.relation(1).localAppData?.ingress;
    strictEqual(url, JSON.stringify({ url: "https://gw.example.com/testing-web" }));

    // The old leader and the other standby learn who leads now.
    assertStandby(await app.run(0, hook("leader-settings-changed"), run), `${APP}/2`);
    assertStandby(
      await app.run(1, { kind: "relation", name: "changed", relationId: PEERS.id }, run),
      `${APP}/2`,
    );
    // A second hook of the new leader writes nothing at all.
    cluster.server.resetLog();
    const again = ok0(await app.run(2, hook("update-status"), run));
    deepStrictEqual(kubeWrites(cluster), []);
    deepStrictEqual(again.toolCalls.filter((call) => WRITING_TOOLS.includes(call.tool)), []);
  }));

Deno.test("a standby between two leaders says it waits for the new leader", () =>
  withCluster(async (cluster) => {
    const app = model([0, 1], { "enforce-https": false, "gateway-class": "cilium" }, false);
    const result = ok0(await app.run(1, hook("leader-settings-changed"), runner(cluster)));
    deepStrictEqual(result.state.unitStatus, {
      status: "active",
      message: "standby: waiting for the new leader to reconcile",
    });
  }));

Deno.test("scaling down deletes nothing while units remain, whichever unit goes", () =>
  withCluster(async (cluster) => {
    const app = model([0, 1, 2], { "enforce-https": false, "gateway-class": "cilium" }, false);
    const run = runner(cluster);
    ok0(await app.run(0, hook("config-changed"), run));
    const objects = () =>
      ["Gateway", "Service", "HTTPRoute"].flatMap((kind) =>
        cluster.objects(kind).map((object) => `${kind}/${object.metadata.name}`)
      ).sort();
    const before = objects();
    strictEqual(before.length, 3);
    cluster.server.resetLog();
    // A standby goes, then the leader itself.
    app.markDying(1);
    ok0(await app.run(1, hook("remove"), run));
    app.forget(1);
    app.markDying(0);
    ok0(await app.run(0, hook("remove"), run));
    app.forget(0);
    deepStrictEqual(kubeWrites(cluster), []);
    deepStrictEqual(objects(), before);
    // The last unit is elected and keeps everything as it is.
    app.leader = 2;
    ok0(await app.run(2, hook("leader-elected"), run));
    deepStrictEqual(kubeWrites(cluster), []);
    deepStrictEqual(app.peerAppData, { leader: `${APP}/2`, ...copied(null) });
  }));
