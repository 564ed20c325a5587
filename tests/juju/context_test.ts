/** The hook context is read from Juju's environment, with JUJU_DISPATCH_PATH authoritative. */
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { ContextError, parseRelationId, readContext } from "../../src/juju/context.ts";

const BASE = {
  JUJU_UNIT_NAME: "gateway-api-integrator/0",
  JUJU_MODEL_NAME: "prod",
  JUJU_MODEL_UUID: "b1a9a9e4-8c8e-4f3a-9d0e-2f0f6f2c1d10",
  JUJU_VERSION: "3.6.4",
  JUJU_CHARM_DIR: "/var/lib/juju/agents/unit-gateway-api-integrator-0/charm",
};

Deno.test("context names the unit, application, model and charm dir", () => {
  const ctx = readContext({
    ...BASE,
    JUJU_DISPATCH_PATH: "hooks/install",
    JUJU_HOOK_NAME: "install",
  }, "/x");
  deepStrictEqual(ctx, {
    event: { kind: "lifecycle", hook: "install" },
    unitName: "gateway-api-integrator/0",
    appName: "gateway-api-integrator",
    modelName: "prod",
    modelUuid: BASE.JUJU_MODEL_UUID,
    jujuVersion: "3.6.4",
    charmDir: BASE.JUJU_CHARM_DIR,
  });
});

Deno.test("the event comes from JUJU_DISPATCH_PATH, not JUJU_HOOK_NAME", () => {
  const ctx = readContext(
    { ...BASE, JUJU_DISPATCH_PATH: "hooks/config-changed", JUJU_HOOK_NAME: "install" },
    "/x",
  );
  deepStrictEqual(ctx.event, { kind: "lifecycle", hook: "config-changed" });
});

Deno.test("every lifecycle hook is recognised", () => {
  for (
    const hook of [
      "install",
      "start",
      "stop",
      "remove",
      "config-changed",
      "update-status",
      "upgrade-charm",
      "leader-elected",
      "leader-settings-changed",
    ]
  ) {
    deepStrictEqual(
      readContext({ ...BASE, JUJU_DISPATCH_PATH: `hooks/${hook}` }, "/x").event,
      { kind: "lifecycle", hook },
    );
  }
});

Deno.test("relation events carry endpoint, phase, id, remote app and unit", () => {
  const ctx = readContext({
    ...BASE,
    JUJU_DISPATCH_PATH: "hooks/gateway-route-relation-departed",
    JUJU_RELATION: "gateway-route",
    JUJU_RELATION_ID: "gateway-route:12",
    JUJU_REMOTE_APP: "web",
    JUJU_REMOTE_UNIT: "web/3",
    JUJU_DEPARTING_UNIT: "web/3",
  }, "/x");
  deepStrictEqual(ctx.event, {
    kind: "relation",
    hook: "gateway-route-relation-departed",
    endpoint: "gateway-route",
    phase: "departed",
    relationId: 12,
    remoteApp: "web",
    remoteUnit: "web/3",
    departingUnit: "web/3",
  });
});

Deno.test("an empty JUJU_REMOTE_UNIT is an application-level relation event", () => {
  const ctx = readContext({
    ...BASE,
    JUJU_DISPATCH_PATH: "hooks/gateway-relation-changed",
    JUJU_RELATION: "gateway",
    JUJU_RELATION_ID: "gateway:3",
    JUJU_REMOTE_APP: "web",
    JUJU_REMOTE_UNIT: "",
  }, "/x");
  strictEqual(ctx.event.kind === "relation" && ctx.event.remoteUnit, null);
});

Deno.test("secret events carry id, label and revision", () => {
  const ctx = readContext({
    ...BASE,
    JUJU_DISPATCH_PATH: "hooks/secret-expired",
    JUJU_SECRET_ID: "secret://b1a9/cs3b2n8ikgmbgoj2mea0",
    JUJU_SECRET_LABEL: "cert",
    JUJU_SECRET_REVISION: "4",
  }, "/x");
  deepStrictEqual(ctx.event, {
    kind: "secret",
    hook: "secret-expired",
    phase: "expired",
    secretId: "secret://b1a9/cs3b2n8ikgmbgoj2mea0",
    label: "cert",
    revision: 4,
  });
});

Deno.test("actions come from the actions/ dispatch path with an empty hook name", () => {
  const ctx = readContext({
    ...BASE,
    JUJU_DISPATCH_PATH: "actions/get-certificate",
    JUJU_HOOK_NAME: "",
    JUJU_ACTION_NAME: "get-certificate",
    JUJU_ACTION_UUID: "7",
  }, "/x");
  deepStrictEqual(ctx.event, { kind: "action", name: "get-certificate", id: "7" });
});

Deno.test("unknown hooks become 'other' events instead of failing", () => {
  for (
    const hook of ["data-storage-attached", "charm-pebble-ready", "collect-metrics", "future-hook"]
  ) {
    deepStrictEqual(
      readContext({ ...BASE, JUJU_DISPATCH_PATH: `hooks/${hook}` }, "/x").event,
      { kind: "other", hook },
    );
  }
});

Deno.test("the charm dir falls back to the working directory", () => {
  const { JUJU_CHARM_DIR: _, ...env } = BASE;
  strictEqual(readContext({ ...env, JUJU_DISPATCH_PATH: "hooks/start" }, "/cwd").charmDir, "/cwd");
});

Deno.test("missing required variables are a ContextError naming them", () => {
  throws(() => readContext({ JUJU_DISPATCH_PATH: "hooks/start" }, "/x"), (error: unknown) => {
    strictEqual(error instanceof ContextError, true);
    const message = (error as Error).message;
    strictEqual(message.includes("JUJU_UNIT_NAME is not set"), true);
    strictEqual(message.includes("JUJU_MODEL_NAME is not set"), true);
    return true;
  });
  throws(
    () => readContext({ ...BASE, JUJU_DISPATCH_PATH: "hooks/gateway-relation-joined" }, "/x"),
    /JUJU_RELATION is not set/,
  );
  throws(
    () => readContext({ ...BASE, JUJU_DISPATCH_PATH: "actions/get-certificate" }, "/x"),
    /JUJU_ACTION_UUID is not set/,
  );
  throws(
    () =>
      readContext({
        ...BASE,
        JUJU_DISPATCH_PATH: "hooks/gateway-relation-joined",
        JUJU_RELATION: "gateway",
        JUJU_RELATION_ID: "gateway:x",
      }, "/x"),
    /not a relation id/,
  );
});

Deno.test("relation ids parse with or without the endpoint prefix", () => {
  strictEqual(parseRelationId("ingress:7"), 7);
  strictEqual(parseRelationId("7"), 7);
  strictEqual(parseRelationId("a:b:10"), 10);
  strictEqual(parseRelationId("ingress:"), null);
  strictEqual(parseRelationId("=5x"), null);
});
