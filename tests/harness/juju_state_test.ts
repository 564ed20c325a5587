/** Loading charm metadata and rejecting impossible scenarios before anything runs. */

import assert from "node:assert/strict";
import { META, relations, SECRET_A, SECRET_B } from "./juju/fixtures.ts";
import { hookEnvironment } from "./juju/fake_juju.ts";
import {
  checkConsistency,
  consistencyProblems,
  type HookEvent,
  type JujuState,
  loadCharmMeta,
  loadCharmMetaFromCharmcraft,
  parseSecretId,
} from "./juju/state.ts";

const METADATA = `
name: demo
provides:
  ingress:
    interface: ingress
    limit: 1
requires:
  certificates:
    interface: tls-certificates
peers:
  peer:
    interface: demo_peer
extra-bindings:
  public:
`;
const CONFIG = `
options:
  ratio:
    type: float
    default: 1.0
    description: A ratio.
  name:
    type: string
`;
const ACTIONS = `
get-certificate:
  description: Get it.
  params:
    hostname:
      type: string
  required: [hostname]
noop:
`;

Deno.test("loadCharmMeta reads metadata.yaml, config.yaml and actions.yaml", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/metadata.yaml`, METADATA);
    Deno.writeTextFileSync(`${dir}/config.yaml`, CONFIG);
    Deno.writeTextFileSync(`${dir}/actions.yaml`, ACTIONS);
    assert.deepEqual(loadCharmMeta(dir), {
      name: "demo",
      provides: { ingress: { interface: "ingress", limit: 1 } },
      requires: { certificates: { interface: "tls-certificates" } },
      peers: { peer: { interface: "demo_peer" } },
      extraBindings: ["public"],
      config: {
        ratio: { type: "float", default: 1, description: "A ratio." },
        name: { type: "string" },
      },
      actions: {
        "get-certificate": {
          description: "Get it.",
          params: { hostname: { type: "string" } },
          required: ["hostname"],
        },
        noop: {},
      },
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadCharmMeta: config.yaml and actions.yaml are optional; metadata.yaml is not", () => {
  const dir = Deno.makeTempDirSync();
  try {
    assert.throws(() => loadCharmMeta(dir), Deno.errors.NotFound);
    Deno.writeTextFileSync(`${dir}/metadata.yaml`, "name: bare\n");
    assert.deepEqual(loadCharmMeta(dir), {
      name: "bare",
      provides: {},
      requires: {},
      peers: {},
      config: {},
      actions: {},
    });
    Deno.writeTextFileSync(`${dir}/config.yaml`, "options:\n  x:\n    type: complex\n");
    assert.throws(() => loadCharmMeta(dir), /invalid .*config.yaml/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadCharmMetaFromCharmcraft reads one charmcraft.yaml", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const charmcraft = `type: charm\n${METADATA}config:\n${
      CONFIG.replace(/^/gm, "  ")
    }\nactions:\n${ACTIONS.replace(/^/gm, "  ")}`;
    Deno.writeTextFileSync(`${dir}/charmcraft.yaml`, charmcraft);
    const fromDir = (() => {
      Deno.writeTextFileSync(`${dir}/metadata.yaml`, METADATA);
      Deno.writeTextFileSync(`${dir}/config.yaml`, CONFIG);
      Deno.writeTextFileSync(`${dir}/actions.yaml`, ACTIONS);
      return loadCharmMeta(dir);
    })();
    assert.deepEqual(loadCharmMetaFromCharmcraft(`${dir}/charmcraft.yaml`), fromDir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parseSecretId accepts secret:<id>, secret://<uuid>/<id> and a bare id", () => {
  assert.equal(parseSecretId(`secret:${SECRET_A}`), SECRET_A);
  assert.equal(parseSecretId(`secret://0000-1111/${SECRET_A}`), SECRET_A);
  assert.equal(parseSecretId(SECRET_A), SECRET_A);
  assert.equal(parseSecretId("secret:TOO-SHORT"), undefined);
});

const START: HookEvent = { kind: "hook", name: "start" };

const INCONSISTENT: [string, Partial<JujuState>, HookEvent, RegExp][] = [
  [
    "relation endpoint not in metadata",
    { relations: [{ id: 1, endpoint: "nope", remoteApp: "x" }] },
    START,
    /endpoint "nope" is not in the charm metadata/,
  ],
  [
    "duplicate relation ids",
    {
      relations: [{ id: 1, endpoint: "ingress", remoteApp: "a" }, {
        id: 1,
        endpoint: "ingress",
        remoteApp: "b",
      }],
    },
    START,
    /duplicate relation id 1/,
  ],
  [
    "event relation id not in state",
    {},
    { kind: "relation", name: "changed", relationId: 42 },
    /relation id 42, which is not in the state/,
  ],
  [
    "remote unit of another app",
    {},
    { kind: "relation", name: "changed", relationId: 3, remoteUnit: "other/0" },
    /"other\/0" is not a unit of "traefik"/,
  ],
  [
    "joined without a remote unit",
    {},
    { kind: "relation", name: "joined", relationId: 3 },
    /relation-joined needs a remoteUnit/,
  ],
  [
    "broken for a peer relation",
    {},
    { kind: "relation", name: "broken", relationId: 1 },
    /never runs for the peer relation/,
  ],
  [
    "peer relation naming another app",
    { relations: [{ id: 1, endpoint: "peer", remoteApp: "other" }] },
    START,
    /peer relation's remoteApp must be the charm's own app/,
  ],
  [
    "remote unit of the wrong app",
    { relations: [{ id: 1, endpoint: "ingress", remoteApp: "a", remoteUnits: { "b/0": {} } }] },
    START,
    /remoteUnits "b\/0" is not a unit of "a"/,
  ],
  [
    "unknown config key",
    { config: { nope: "x" } },
    START,
    /config option "nope" is not in config.yaml/,
  ],
  [
    "config of the wrong type",
    { config: { replicas: "two" } },
    START,
    /"replicas" \(int\): expected an integer/,
  ],
  ["int config with a fraction", { config: { replicas: 1.5 } }, START, /expected an integer/],
  ["secret config not a URI", { config: { credentials: "plain" } }, START, /expected a secret URI/],
  [
    "unknown action",
    {},
    { kind: "action", name: "dance" },
    /action "dance" is not in actions.yaml/,
  ],
  [
    "action param of the wrong type",
    {},
    { kind: "action", name: "get-certificate", params: { hostname: 5 } },
    /param "hostname" should be string, got integer/,
  ],
  [
    "undeclared action param",
    {},
    { kind: "action", name: "get-certificate", params: { hostname: "h", extra: 1 } },
    /param "extra" is not declared/,
  ],
  [
    "missing required action param",
    {},
    { kind: "action", name: "get-certificate" },
    /required param "hostname" is missing/,
  ],
  [
    "secret event for an unknown secret",
    {},
    { kind: "secret", name: "changed", secretId: SECRET_A },
    /not in the state/,
  ],
  [
    "non-leader gets secret-rotate of an app secret",
    {
      leader: false,
      secrets: [{ id: SECRET_A, owner: "application", revisions: [{ revision: 1, content: {} }] }],
    },
    { kind: "secret", name: "rotate", secretId: SECRET_A },
    /only goes to the leader/,
  ],
  [
    "secret-changed for an owned secret",
    { secrets: [{ id: SECRET_A, owner: "unit", revisions: [{ revision: 1, content: {} }] }] },
    { kind: "secret", name: "changed", secretId: SECRET_A },
    /secret-changed goes to consumers/,
  ],
  [
    "secret-remove without a revision",
    { secrets: [{ id: SECRET_A, owner: "unit", revisions: [{ revision: 1, content: {} }] }] },
    { kind: "secret", name: "remove", secretId: SECRET_A },
    /needs a revision/,
  ],
  [
    "secret id of the wrong shape",
    { secrets: [{ id: "short", owner: null, revisions: [{ revision: 1, content: {} }] }] },
    START,
    /id must be 20 characters/,
  ],
  [
    "leader-elected on a non-leader",
    { leader: false },
    { kind: "hook", name: "leader-elected" },
    /only runs on the leader/,
  ],
  [
    "relation hook given as a plain hook",
    {},
    { kind: "hook", name: "ingress-relation-changed" },
    /use kind "relation"/,
  ],
  [
    "unknown network binding",
    { networks: { nope: { ingressAddress: "1.2.3.4" } } },
    START,
    /"nope" is not an endpoint/,
  ],
  ["bad opened port", { openedPorts: ["80-90"] }, START, /"80-90" is not like 80\/tcp/],
];

for (const [name, state, event, problem] of INCONSISTENT) {
  Deno.test(`checkConsistency rejects: ${name}`, () => {
    const full: JujuState = { leader: true, relations: relations(), ...state };
    assert.throws(() => checkConsistency(META, full, event), problem);
  });
}

Deno.test("checkConsistency accepts a full, consistent scenario", () => {
  const state: JujuState = {
    leader: true,
    config: { replicas: 3, ratio: 0.5, enabled: false, credentials: `secret:${SECRET_B}` },
    relations: relations(),
    secrets: [
      {
        id: SECRET_A,
        owner: "application",
        revisions: [{ revision: 1, content: {} }],
        grants: [{ relationId: 3, target: "traefik/0" }],
      },
      { id: SECRET_B, owner: null, revisions: [{ revision: 2, content: {} }], trackedRevision: 2 },
    ],
    networks: {
      ingress: { ingressAddress: "10.0.0.1" },
      "juju-info": { ingressAddress: "10.0.0.2" },
    },
    openedPorts: ["80/tcp", "icmp"],
    planned: { units: { "gateway/0": "active" } },
  };
  for (
    const event of [
      START,
      { kind: "relation", name: "changed", relationId: 3, remoteUnit: "traefik/0" },
      { kind: "relation", name: "changed", relationId: 3 },
      { kind: "relation", name: "departed", relationId: 3, remoteUnit: "traefik/7" },
      { kind: "secret", name: "expired", secretId: SECRET_A, revision: 1 },
      { kind: "secret", name: "changed", secretId: `secret:${SECRET_B}` },
      { kind: "action", name: "get-certificate", params: { hostname: "h", verbose: true } },
      { kind: "hook", name: "some-future-hook" },
    ] as HookEvent[]
  ) {
    assert.deepEqual(consistencyProblems(META, state, event), [], JSON.stringify(event));
  }
});

Deno.test("hookEnvironment: relation, action and secret variables", () => {
  const opts = {
    charmDir: "/charm",
    contextId: "ctx",
    socketAddress: "127.0.0.1:1",
    toolsDir: "/tools",
  };
  const state: JujuState = {
    leader: true,
    relations: relations(),
    secrets: [{
      id: SECRET_A,
      owner: "unit",
      label: "l",
      revisions: [{ revision: 3, content: {} }],
    }],
  };
  const departed = hookEnvironment(META, state, {
    kind: "relation",
    name: "departed",
    relationId: 3,
    remoteUnit: "traefik/7",
  }, opts);
  assert.equal(departed.JUJU_DISPATCH_PATH, "hooks/ingress-relation-departed");
  assert.equal(departed.JUJU_HOOK_NAME, "ingress-relation-departed");
  assert.equal(departed.JUJU_RELATION, "ingress");
  assert.equal(departed.JUJU_RELATION_ID, "ingress:3");
  assert.equal(departed.JUJU_REMOTE_APP, "traefik");
  assert.equal(departed.JUJU_REMOTE_UNIT, "traefik/7");
  assert.equal(departed.JUJU_DEPARTING_UNIT, "traefik/7");

  const created = hookEnvironment(
    META,
    state,
    { kind: "relation", name: "created", relationId: 1 },
    opts,
  );
  assert.equal(created.JUJU_REMOTE_UNIT, "");
  assert.equal(created.JUJU_REMOTE_APP, "gateway");
  assert.equal(created.JUJU_DEPARTING_UNIT, undefined);

  const action = hookEnvironment(
    META,
    state,
    { kind: "action", name: "get-certificate", id: "7" },
    opts,
  );
  assert.equal(action.JUJU_DISPATCH_PATH, "actions/get-certificate");
  assert.equal(action.JUJU_HOOK_NAME, "");
  assert.equal(action.JUJU_ACTION_NAME, "get-certificate");
  assert.equal(action.JUJU_ACTION_UUID, "7");
  assert.equal(action.JUJU_ACTION_TAG, "action-7");

  const expired = hookEnvironment(
    META,
    state,
    { kind: "secret", name: "expired", secretId: SECRET_A, revision: 3 },
    { ...opts, extra: { KUBERNETES_SERVICE_HOST: "10.0.0.1" } },
  );
  assert.equal(expired.JUJU_DISPATCH_PATH, "hooks/secret-expired");
  assert.equal(expired.JUJU_SECRET_ID, `secret://2c2a4a4b-8b5e-4d3f-9f0e-6a1b7c8d9e0f/${SECRET_A}`);
  assert.equal(expired.JUJU_SECRET_LABEL, "l");
  assert.equal(expired.JUJU_SECRET_REVISION, "3");
  assert.equal(expired.KUBERNETES_SERVICE_HOST, "10.0.0.1");
  assert.equal(expired.PATH, "/tools:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  assert.equal(expired.DEBIAN_FRONTEND, "noninteractive");
  for (const absent of ["HOME", "USER", "SHELL"]) assert.equal(expired[absent], undefined);
});
