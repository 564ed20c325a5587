/**
 * Black-box: the leader keeps a copy of its databag in each ingress relation in the peer
 * relation (`src/gather/published.ts`), and on update-status and other relations' events takes
 * the databag from it instead of reading it back: one hook-tool process less per requirer. A
 * databag changed behind the charm's back is mended by its relation's own events, config-changed
 * and the like, and update-status in its turn; a copy that does not read is not trusted.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import { ingressRequirer as requirer, ok0, withCluster } from "./blackbox.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const VALID = { "enforce-https": false, "gateway-class": "cilium" };
const PEERS: RelationState = { id: 0, endpoint: "gateway-peers", remoteApp: APP, remoteUnits: {} };

const hook = (name: string): HookEvent => ({ kind: "hook", name });
const changed = (relationId: number): HookEvent => ({
  kind: "relation",
  name: "changed",
  relationId,
});

function url(app: string): string {
  return JSON.stringify({ url: `http://10.0.0.9/testing-${app}` });
}

function relation(state: JujuState, id: number): RelationState {
  const found = state.relations?.find((candidate) => candidate.id === id);
  ok(found, `relation ${id}`);
  return found;
}

/** The ingress relations whose databag of ours the hook read back. */
function ownReads(result: HookResult): number[] {
  return result.toolCalls
    .filter((call) =>
      call.tool === "relation-get" && call.args.includes("--app") && call.args.includes(APP) &&
      call.args.some((arg) => arg.startsWith("gateway:"))
    )
    .map((call) => Number(call.args.find((arg) => arg.startsWith("gateway:"))!.split(":")[1]))
    .sort((a, b) => a - b);
}

const writes = (result: HookResult) =>
  result.toolCalls.filter((call) => call.tool === "relation-set");

/** Three requirers, served and copied: the state after config-changed with a Gateway address. */
async function steady(cluster: Cluster): Promise<JujuState> {
  const run = (state: JujuState, event: HookEvent) =>
    runHook(charmDir, state, event, { env: cluster.env });
  let state: JujuState = {
    leader: true,
    config: VALID,
    relations: [PEERS, requirer(1, "web"), requirer(2, "api"), requirer(3, "docs")],
  };
  state = ok0(await run(state, hook("config-changed"))).state;
  cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
  state = ok0(await run(state, hook("config-changed"))).state;
  for (const [id, app] of [[1, "web"], [2, "api"], [3, "docs"]] as const) {
    strictEqual(relation(state, id).localAppData?.ingress, url(app));
    strictEqual(
      relation(state, 0).localAppData?.[`ingress-${id}`],
      JSON.stringify({ ingress: url(app) }),
      `the copy of relation ${id}`,
    );
  }
  return state;
}

Deno.test("update-status takes our ingress databags from their copies, reading back only the one in turn", () =>
  withCluster(async (cluster) => {
    const state = await steady(cluster);
    cluster.server.resetLog();
    const result = ok0(await runHook(charmDir, state, hook("update-status"), { env: cluster.env }));
    strictEqual(ownReads(result).length, 1, JSON.stringify(ownReads(result)));
    deepStrictEqual(writes(result), [], "nothing changed: nothing written");
    deepStrictEqual(
      cluster.server.resourceRequests().filter((request) => request.method !== "GET"),
      [],
    );
    strictEqual(result.state.unitStatus?.status, "active");
  }));

Deno.test("a databag changed behind the charm's back is mended by its own event and by config-changed", () =>
  withCluster(async (cluster) => {
    const run = (state: JujuState, event: HookEvent) =>
      runHook(charmDir, state, event, { env: cluster.env });
    let state = await steady(cluster);
    const tamper = () => {
      state = structuredClone(state);
      relation(state, 2).localAppData = { ingress: '{"url": "http://elsewhere/"}' };
    };
    tamper();
    // Another relation's event trusts the copy of relation 2: it is not read back.
    let result = ok0(await run(state, changed(3)));
    deepStrictEqual(ownReads(result), [3]);
    strictEqual(relation(result.state, 2).localAppData?.ingress, '{"url": "http://elsewhere/"}');
    // Its own event reads it, and writes the URL again.
    result = ok0(await run(result.state, changed(2)));
    deepStrictEqual(ownReads(result), [2]);
    strictEqual(relation(result.state, 2).localAppData?.ingress, url("api"));
    state = result.state;
    tamper();
    // config-changed (like install, start, upgrade-charm and leader-elected) reads every one.
    result = ok0(await run(state, hook("config-changed")));
    deepStrictEqual(ownReads(result), [1, 2, 3]);
    strictEqual(relation(result.state, 2).localAppData?.ingress, url("api"));
    strictEqual(
      relation(result.state, 0).localAppData?.["ingress-2"],
      JSON.stringify({
        ingress: url("api"),
      }),
    );
  }));

Deno.test("with one requirer, update-status always reads it back (it is always its turn)", () =>
  withCluster(async (cluster) => {
    const run = (state: JujuState, event: HookEvent) =>
      runHook(charmDir, state, event, { env: cluster.env });
    let state: JujuState = { leader: true, config: VALID, relations: [PEERS, requirer(1, "web")] };
    state = ok0(await run(state, hook("config-changed"))).state;
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    state = ok0(await run(state, hook("config-changed"))).state;
    relation(state, 1).localAppData = {};
    const result = ok0(await run(state, hook("update-status")));
    deepStrictEqual(ownReads(result), [1]);
    strictEqual(relation(result.state, 1).localAppData?.ingress, url("web"));
  }));

Deno.test("a copy that does not read is not trusted: the databag is read and the copy rewritten", () =>
  withCluster(async (cluster) => {
    const state = structuredClone(await steady(cluster));
    const peers = relation(state, 0);
    for (const bad of ["not json", "[]", '{"ingress": 7}', "null"]) {
      peers.localAppData = { ...peers.localAppData, "ingress-1": bad, "ingress-2": bad };
      const result = ok0(await runHook(charmDir, state, changed(3), { env: cluster.env }));
      deepStrictEqual(ownReads(result), [1, 2, 3], bad);
      strictEqual(
        relation(result.state, 0).localAppData?.["ingress-1"],
        JSON.stringify({ ingress: url("web") }),
      );
      deepStrictEqual(
        writes(result).map((call) => call.args),
        [["-r", "gateway-peers:0", "--app", "--file", "-"]],
        "only the copies are written",
      );
    }
  }));

Deno.test("the copy of a relation that is gone is removed; no peer relation, no copies", () =>
  withCluster(async (cluster) => {
    const run = (state: JujuState, event: HookEvent) =>
      runHook(charmDir, state, event, { env: cluster.env });
    const state = await steady(cluster);
    const dying = structuredClone(state);
    relation(dying, 3).dying = true;
    const broken = ok0(await run(dying, { kind: "relation", name: "broken", relationId: 3 }));
    const copies = relation(broken.state, 0).localAppData ?? {};
    ok(!("ingress-3" in copies), JSON.stringify(copies));
    ok("ingress-1" in copies && "ingress-2" in copies);

    // Without the peer relation (a charm run outside Juju's rules): every databag is read.
    const alone: JujuState = { ...state, relations: state.relations!.filter((r) => r.id !== 0) };
    const result = ok0(await run(alone, hook("update-status")));
    deepStrictEqual(ownReads(result), [1, 2, 3]);
    deepStrictEqual(writes(result), []);
  }));
