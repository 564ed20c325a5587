/**
 * The pure parts of several units and of cross-model requirers: the standby's status, the
 * leader's record in the peer databag, and which requirers are routed to their units' addresses.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { routeAcrossModels, unroutedUnits } from "../../src/decide/cross_model.ts";
import { decide } from "../../src/decide/decide.ts";
import { leaderRecord, standbyStatus } from "../../src/decide/units.ts";
import { recordedLeader } from "../../src/interfaces/peers.ts";
import type { IngressRequirer } from "../../src/world.ts";
import { reconcileWorld, rel } from "./worlds.ts";

const CONFIG = {
  externalHostname: null,
  gatewayClass: "cilium",
  enforceHttps: false,
  hstsMaxAge: 31536000,
} as const;

Deno.test("standby status: names the leader, or says it waits for one", () => {
  const cases: [string | null, string][] = [
    ["gw/0", "standby: gw/0 reconciles"],
    [null, "standby: waiting for the new leader to reconcile"],
    // The databag still names this unit: it led, and the new leader has not written yet.
    ["gw/1", "standby: waiting for the new leader to reconcile"],
  ];
  for (const [leader, message] of cases) {
    deepStrictEqual(standbyStatus(leader, "gw/1"), { status: "active", message });
  }
});

Deno.test("the peer databag's leader is read only when it is a unit of our application", () => {
  const cases: [Record<string, string>, string | null][] = [
    [{ leader: "gw/0" }, "gw/0"],
    [{ leader: "gw/12" }, "gw/12"],
    [{}, null],
    [{ leader: "" }, null],
    [{ leader: "other/0" }, null],
    [{ leader: "gw/01" }, null],
    [{ leader: "gw/0\u001b[31m" }, null],
    [{ leader: "gw" }, null],
  ];
  for (const [data, leader] of cases) strictEqual(recordedLeader(data, "gw"), leader);
});

Deno.test("the leader records its name once: no write when the databag already names it", () => {
  const peers = rel(0, "gateway-peers");
  deepStrictEqual(
    leaderRecord({ relation: peers, recordedLeader: "gw/0", ingressCopies: new Map() }, "gw/0"),
    [],
  );
  deepStrictEqual(leaderRecord(null, "gw/0"), []);
  deepStrictEqual(
    leaderRecord({ relation: peers, recordedLeader: "gw/1", ingressCopies: new Map() }, "gw/0"),
    [
      { relation: peers, data: { leader: "gw/0" }, needsObjects: false },
    ],
  );
  // Also when the reconcile is blocked: standbys name the leader whatever its status.
  const blocked = decide(reconcileWorld({
    config: { option: "hsts-max-age", message: "invalid configuration: x" },
    peers: { relation: peers, recordedLeader: null, ingressCopies: new Map() },
  }));
  strictEqual(blocked.status?.status, "blocked");
  deepStrictEqual(blocked.writes.filter((w) => w.relation.id === 0).map((w) => w.data), [
    { leader: "gw/0" },
  ]);
});

function requirer(
  id: number,
  model: string,
  units: { unit: string; ip: string | null }[],
  version: 1 | 2 = 2,
): IngressRequirer {
  return {
    relation: rel(id),
    app: `remote-${id}`,
    backend: { model, app: `app${id}`, port: 8080, stripPrefix: false },
    error: null,
    pending: false,
    currentUrl: null,
    databag: {},
    units,
    version,
  };
}

Deno.test("cross-model requirers get their units' addresses; same-model ones keep no addresses", () => {
  const world = reconcileWorld({
    config: CONFIG,
    ingress: [
      requirer(1, "testing", [{ unit: "remote-1/0", ip: "10.0.0.1" }]),
      requirer(2, "other", [
        { unit: "remote-2/0", ip: "10.0.0.2" },
        { unit: "remote-2/1", ip: null },
        { unit: "remote-2/2", ip: "fd00::2" },
      ]),
      requirer(3, "other", [{ unit: "remote-3/0", ip: null }]),
      requirer(4, "other", [{ unit: "(ingress v1 host)", ip: null }], 1),
    ],
  });
  const routed = routeAcrossModels(world);
  strictEqual(routed.ingress[0].backend?.addresses, undefined);
  deepStrictEqual(routed.ingress[1].backend?.addresses, ["10.0.0.2", "fd00::2"]);
  strictEqual(routed.ingress[2].backend, null);
  strictEqual(
    routed.ingress[2].error,
    'is in model "other" and none of its units has published its ip address, which a requirer in another model needs',
  );
  strictEqual(routed.ingress[3].backend, null);
  strictEqual(
    routed.ingress[3].error,
    'is in model "other" and speaks ingress v1, whose host is not an ip address: a requirer in another model needs one',
  );
  deepStrictEqual(unroutedUnits(routed), ["app2/1"], "named after the requirer's own application");
  strictEqual(routeAcrossModels(reconcileWorld({ config: CONFIG })).ingress.length, 0);
});
