/**
 * The copies of our ingress databags in the peer relation: when a hook trusts them
 * (`src/gather/published.ts`), how they read and are written (`src/interfaces/peers.ts`), and
 * which writes keep them in step with the databags (`src/decide/units.ts`).
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import {
  copyTrusted,
  trustedIngressCopies,
  verifiedInTurn,
  VERIFY_TURN_MS,
} from "../../src/gather/published.ts";
import { ingressCopies, renderIngressCopy } from "../../src/interfaces/peers.ts";
import { afterWrites, ingressCopyWrites, type PeersWorld } from "../../src/decide/units.ts";
import type { JujuEvent } from "../../src/juju/context.ts";
import type { RelationWrite } from "../../src/outcome.ts";
import type { IngressRequirer } from "../../src/world.ts";
import { rel } from "../decide/worlds.ts";

const lifecycle = (hook: string): JujuEvent => ({ kind: "lifecycle", hook } as JujuEvent);
const relationEvent = (relationId: number): JujuEvent => ({
  kind: "relation",
  hook: `gateway-relation-changed`,
  endpoint: "gateway",
  phase: "changed",
  relationId,
  remoteApp: "web",
  remoteUnit: null,
  departingUnit: null,
});

Deno.test("the copy is trusted on update-status (but for the one in turn), other relations' and secret events", () => {
  strictEqual(copyTrusted(lifecycle("update-status"), 1, null), true);
  strictEqual(copyTrusted(lifecycle("update-status"), 1, 1), false);
  strictEqual(copyTrusted(lifecycle("update-status"), 2, 1), true);
  for (const hook of ["install", "start", "config-changed", "upgrade-charm", "leader-elected"]) {
    strictEqual(copyTrusted(lifecycle(hook), 1, null), false, hook);
  }
  strictEqual(copyTrusted(relationEvent(1), 1, null), false, "its own event");
  strictEqual(copyTrusted(relationEvent(2), 1, null), true, "another relation's event");
  strictEqual(
    copyTrusted({ kind: "secret", hook: "secret-changed" } as JujuEvent, 1, null),
    true,
  );
  strictEqual(
    copyTrusted({ kind: "action", name: "show-proxied-endpoints", id: "1" }, 1, null),
    false,
  );
});

Deno.test("update-status reads the requirers back in turn, the next one every 5 minutes", () => {
  const relations = [rel(7), rel(3), rel(12)];
  strictEqual(verifiedInTurn([], new Date(0)), null);
  const turns = [0, 1, 2, 3, 4].map((turn) =>
    verifiedInTurn(relations, new Date(turn * VERIFY_TURN_MS + 1000))
  );
  deepStrictEqual(turns, [3, 7, 12, 3, 7]);
  strictEqual(verifiedInTurn([rel(5)], new Date()), 5, "one requirer: always its turn");
});

Deno.test("copies are taken only where trusted, and only when they read", async () => {
  const peers: PeersWorld = {
    relation: rel(0, "gateway-peers"),
    recordedLeader: null,
    ingressCopies: ingressCopies({
      "ingress-1": renderIngressCopy({ ingress: '{"url":"http://a/"}' }),
      "ingress-2": "garbage",
      leader: "gw/0",
    }),
  };
  const copyOf = trustedIngressCopies(
    relationEvent(3),
    new Date(0),
    [rel(1), rel(2), rel(3)],
    Promise.resolve(peers),
  );
  deepStrictEqual(await copyOf(rel(1)), { ingress: '{"url":"http://a/"}' });
  strictEqual(await copyOf(rel(2)), undefined, "unreadable");
  strictEqual(await copyOf(rel(3)), undefined, "its own event");
  strictEqual(await copyOf(rel(4)), undefined, "no copy");
  const none = trustedIngressCopies(
    lifecycle("update-status"),
    new Date(0),
    [rel(1)],
    Promise.resolve(null),
  );
  strictEqual(await none(rel(1)), undefined, "no peer relation");
});

Deno.test("copies read back as written; keys that are not copies and values that are not databags do not", () => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (databag) => {
    const copies = ingressCopies({ "ingress-4": renderIngressCopy(databag) });
    deepStrictEqual(copies.get(4)?.data, { ...databag });
  }));
  const copies = ingressCopies({
    "ingress-01": "{}",
    "ingress-x": "{}",
    "ingress-": "{}",
    "xingress-1": "{}",
    "ingress-99999999999999999999": "{}",
    "ingress-5": '{"a": 1}',
    "ingress-6": "[]",
    "ingress-7": '"text"',
    "ingress-8": "{",
  });
  deepStrictEqual([...copies.keys()].sort(), [5, 6, 7, 8]);
  for (const id of [5, 6, 7, 8]) strictEqual(copies.get(id)?.data, null, String(id));
  strictEqual(renderIngressCopy({ b: "2", a: "1" }), renderIngressCopy({ a: "1", b: "2" }));
});

function requirer(id: number, databag: Record<string, string>): IngressRequirer {
  return {
    relation: rel(id),
    app: `app${id}`,
    backend: null,
    error: null,
    pending: false,
    currentUrl: null,
    databag,
  };
}

const PEERS = rel(0, "gateway-peers");

function peersWith(copies: Record<string, string>): PeersWorld {
  return { relation: PEERS, recordedLeader: "gw/0", ingressCopies: ingressCopies(copies) };
}

Deno.test("each copy is written with its relation's write, under the same condition", () => {
  const published = { ingress: '{"url":"http://a/"}' };
  const requirers = [requirer(1, {}), requirer(2, published), requirer(3, published)];
  const writes: RelationWrite[] = [
    { relation: rel(1), data: published, needsObjects: true },
    { relation: rel(2), data: { ingress: "" }, needsObjects: false },
    { relation: rel(9, "gateway-route"), data: { x: "y" }, needsObjects: true },
  ];
  const peers = peersWith({
    "ingress-1": renderIngressCopy({}),
    "ingress-2": renderIngressCopy(published),
    "ingress-3": renderIngressCopy(published),
    "ingress-4": renderIngressCopy(published),
  });
  deepStrictEqual(ingressCopyWrites(peers, requirers, writes), [
    {
      relation: PEERS,
      data: { "ingress-2": renderIngressCopy({}), "ingress-4": "" },
      needsObjects: false,
    },
    { relation: PEERS, data: { "ingress-1": renderIngressCopy(published) }, needsObjects: true },
  ]);
  // Copies in step with their databags and nothing written: nothing to write.
  const inStep = peersWith({
    "ingress-1": renderIngressCopy({}),
    "ingress-2": renderIngressCopy(published),
    "ingress-3": renderIngressCopy(published),
  });
  deepStrictEqual(ingressCopyWrites(inStep, requirers, []), []);
  // A copy that says otherwise than its databag, with a write that needs the objects: first the
  // databag as it is (should the write be left out), then as the write leaves it.
  deepStrictEqual(
    ingressCopyWrites(peersWith({ "ingress-1": "{" }), [requirer(1, {})], [writes[0]]),
    [
      { relation: PEERS, data: { "ingress-1": renderIngressCopy({}) }, needsObjects: false },
      { relation: PEERS, data: { "ingress-1": renderIngressCopy(published) }, needsObjects: true },
    ],
  );
  // No peer relation: no copies at all.
  deepStrictEqual(ingressCopyWrites(null, requirers, writes), []);
  // A databag read with no copy yet gets one, whatever the hook writes elsewhere.
  deepStrictEqual(ingressCopyWrites(peersWith({}), [requirer(5, published)], []), [
    { relation: PEERS, data: { "ingress-5": renderIngressCopy(published) }, needsObjects: false },
  ]);
});

Deno.test("a databag after writes: keys set in order, and deleted by an empty value", () => {
  deepStrictEqual(
    afterWrites({ a: "1", b: "2" }, [
      { relation: rel(1), data: { a: "", c: "3" }, needsObjects: false },
      { relation: rel(1), data: { c: "4" }, needsObjects: true },
    ]),
    { b: "2", c: "4" },
  );
});

/** What Juju holds after the hook: the writes applied as `applyJuju` does (those that need the
 * objects left out when the cluster plan was blocked), in order. */
function applied(
  bags: Map<number, Record<string, string>>,
  writes: readonly RelationWrite[],
  blocked: boolean,
): Map<number, Record<string, string>> {
  const result = new Map([...bags].map(([id, bag]) => [id, { ...bag }]));
  for (const write of writes) {
    if (write.needsObjects && blocked) continue;
    result.set(write.relation.id, { ...afterWrites(result.get(write.relation.id) ?? {}, [write]) });
  }
  return result;
}

Deno.test("property: after any hook, blocked or not, every copy that reads holds what its databag holds", () => {
  const databag = fc.dictionary(fc.constantFrom("ingress", "x"), fc.string({ maxLength: 8 }));
  const requirerSpec = fc.record({
    databag,
    writes: fc.array(
      fc.record({
        data: fc.dictionary(fc.constantFrom("ingress", "x"), fc.constantFrom("", "a", "b")),
        needsObjects: fc.boolean(),
      }),
      { maxLength: 2 },
    ),
    copy: fc.constantFrom("none", "same", "stale", "garbage"),
  });
  fc.assert(
    fc.property(
      fc.array(requirerSpec, { maxLength: 5 }),
      fc.array(fc.integer({ min: 10, max: 12 }), { maxLength: 3 }),
      fc.boolean(),
      (specs, gone, blocked) => {
        const requirers = specs.map((spec, i) => requirer(i + 1, spec.databag));
        const copies: Record<string, string> = {};
        specs.forEach((spec, i) => {
          if (spec.copy === "same") copies[`ingress-${i + 1}`] = renderIngressCopy(spec.databag);
          if (spec.copy === "stale") copies[`ingress-${i + 1}`] = renderIngressCopy({ old: "1" });
          if (spec.copy === "garbage") copies[`ingress-${i + 1}`] = "{";
        });
        for (const id of gone) copies[`ingress-${id}`] = renderIngressCopy({});
        const writes: RelationWrite[] = specs.flatMap((spec, i) =>
          spec.writes.map(({ data, needsObjects }) => ({
            relation: rel(i + 1),
            data,
            needsObjects,
          }))
        );
        const all = [...writes, ...ingressCopyWrites(peersWith(copies), requirers, writes)];
        const bags = new Map<number, Record<string, string>>(
          specs.map((spec, i) => [i + 1, { ...spec.databag }]),
        );
        bags.set(0, { leader: "gw/0", ...copies });
        const after = applied(bags, all, blocked);
        const peerCopies = ingressCopies(after.get(0) ?? {});
        specs.forEach((_, i) => {
          // A copy that reads, when there is one, is what the databag holds: never something else.
          const copy = peerCopies.get(i + 1);
          if (copy?.data) deepStrictEqual(copy.data, after.get(i + 1));
          // And unless the write that would have made it was left out, there is one.
          if (!blocked) strictEqual(copy?.raw, renderIngressCopy(after.get(i + 1)!));
        });
        for (const id of gone) strictEqual(peerCopies.has(id), false, `copy of ${id} removed`);
      },
    ),
    { numRuns: 2000 },
  );
});
