/**
 * The fake's model of an application with several units (`FakeApp`): leadership held by one unit
 * and moved, the peer relation as each unit sees it, application databags and application-owned
 * secrets shared and writable by the leader alone, unit data and statuses per unit, goal-state
 * listing every unit; and `relation-model-get` for cross-model relations.
 */
import assert from "node:assert/strict";
import { FakeJuju } from "./juju/fake_juju.ts";
import { json, META, tool } from "./juju/fixtures.ts";
import { FakeApp } from "./juju/model.ts";
import { checkConsistency, type HookEvent, type HookResult, type JujuState } from "./juju/state.ts";

const UPDATE: HookEvent = { kind: "hook", name: "update-status" };

/** A runner that makes the given tool calls in-process, then ends the hook with exit 0. */
function script(lines: string[], seen: unknown[] = []) {
  return async (state: JujuState, event: HookEvent): Promise<HookResult> => {
    checkConsistency(META, state, event);
    const fake = new FakeJuju(META, state, event);
    for (const line of lines) {
      const [text, stdin] = line.split(" <<< ");
      const result = await tool(fake, text, stdin);
      seen.push(
        result.code === 0 ? result.stdout.trim() : `exit ${result.code}: ${result.stderr.trim()}`,
      );
    }
    return { ...fake.finish(0), durationMs: 0 };
  };
}

function app(): FakeApp {
  return new FakeApp({
    app: "gateway",
    units: [0, 1, 2],
    leader: 0,
    peers: { endpoint: "peer", id: 7 },
    relations: [{
      id: 3,
      endpoint: "ingress",
      remoteApp: "web",
      remoteUnits: { "web/0": {} },
      remoteAppData: { model: '"testing"' },
    }],
  });
}

Deno.test("each unit sees the others as its peers and knows whether it leads", async () => {
  const model = app();
  const seen: unknown[] = [];
  await model.run(
    1,
    UPDATE,
    script(["is-leader --format=json", "relation-list -r peer:7 --format=json"], seen),
  );
  assert.deepEqual(seen, ["false", '["gateway/0","gateway/2"]']);
  const state = model.stateOf(0);
  assert.equal(state.leader, true);
  assert.deepEqual(state.planned?.units, {
    "gateway/0": "active",
    "gateway/1": "active",
    "gateway/2": "active",
  });
});

Deno.test("the peer application databag is written by the leader and read by every unit", async () => {
  const model = app();
  await model.run(0, UPDATE, script(["relation-set -r peer:7 --app leader=gateway/0"]));
  const seen: unknown[] = [];
  await model.run(
    2,
    UPDATE,
    script([
      "relation-get -r peer:7 --app --format=json - gateway",
      "relation-set -r peer:7 --app leader=gateway/2",
    ], seen),
  );
  assert.deepEqual(JSON.parse(seen[0] as string), { leader: "gateway/0" });
  assert.match(String(seen[1]), /^exit 1: ERROR cannot write relation settings/);
  assert.deepEqual(model.peerAppData, { leader: "gateway/0" });
});

Deno.test("a non-leader cannot read or write the application databag of a non-peer relation", async () => {
  const model = app();
  await model.run(0, UPDATE, script(["relation-set -r ingress:3 --app url=x"]));
  const seen: unknown[] = [];
  await model.run(
    1,
    UPDATE,
    script([
      "relation-get -r ingress:3 --app --format=json - gateway",
      "relation-set -r ingress:3 mine=1",
    ], seen),
  );
  assert.match(String(seen[0]), /permission denied/);
  assert.deepEqual(model.relation(3).localAppData, { url: "x" });
  assert.deepEqual(model.relation(3).localUnitData, {
    "gateway/0": {},
    "gateway/1": { mine: "1" },
  });
});

Deno.test("an application-owned secret added by one leader is the next leader's, by label", async () => {
  const model = app();
  await model.run(0, UPDATE, script(["secret-add --label key private-key=abc"]));
  assert.equal(model.secrets.length, 1);
  model.leader = 1;
  const after: unknown[] = [];
  await model.run(1, UPDATE, script(["secret-get --label key --format=json"], after));
  assert.deepEqual(JSON.parse(after[0] as string), { "private-key": "abc" });
});

Deno.test("statuses are per unit; a removed unit is dying in goal-state, then leaves the peers", async () => {
  const model = app();
  await model.run(1, UPDATE, script(["status-set active standby"]));
  assert.deepEqual(model.status(1), { status: "active", message: "standby" });
  assert.equal(model.status(2), undefined);
  model.markDying(2);
  const seen: unknown[] = [];
  await model.run(0, UPDATE, script(["goal-state --format=json"], seen));
  const goal = JSON.parse(seen[0] as string) as { units: Record<string, { status: string }> };
  assert.equal(goal.units["gateway/2"].status, "dying");
  assert.equal(goal.units["gateway/1"].status, "active");
  model.forget(2);
  assert.deepEqual(Object.keys(model.stateOf(0).relations!.find((r) => r.id === 7)!.remoteUnits!), [
    "gateway/1",
  ]);
  model.forget(0);
  assert.equal(model.leader, null, "the leader's lease ends with its unit");
});

Deno.test("relation-model-get answers the other model's UUID, ours for a same-model relation", async () => {
  const state: JujuState = {
    leader: true,
    relations: [
      {
        id: 3,
        endpoint: "ingress",
        remoteApp: "remote-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        remoteModelUuid: "aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb",
      },
      { id: 4, endpoint: "ingress", remoteApp: "web" },
    ],
  };
  checkConsistency(META, state, UPDATE);
  const fake = new FakeJuju(META, state, UPDATE);
  assert.deepEqual(await json(fake, "relation-model-get -r ingress:3 --format=json"), {
    uuid: "aaaaaaaa-1111-4222-8333-bbbbbbbbbbbb",
  });
  assert.deepEqual(await json(fake, "relation-model-get -r ingress:4 --format=json"), {
    uuid: "2c2a4a4b-8b5e-4d3f-9f0e-6a1b7c8d9e0f",
  });
  assert.equal((await tool(fake, "relation-model-get -r ingress:9")).code, 2);
});
