/**
 * Owned-object reconcile against a minimal in-memory KubeClient: what is applied, skipped and
 * deleted. (The same behaviour over HTTP against the fake API server is in client_test.ts.)
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import type { KubeClient } from "../../src/k8s/client.ts";
import { contains, DESIRED_HASH, MANAGED_BY, reconcileOwned } from "../../src/k8s/reconcile.ts";
import { KINDS, KubeError, type KubeObject, type ResourceKind } from "../../src/k8s/types.ts";

/** Stores whole objects per kind; apply replaces (enough for the decisions tested here). */
function memoryClient(seed: KubeObject[] = []) {
  const store = new Map<string, KubeObject>(
    seed.map((object) => [`${object.kind}/${object.metadata.name}`, object]),
  );
  const log: string[] = [];
  const client: KubeClient = {
    namespace: "demo",
    fieldManager: "gai",
    get requests() {
      return log.length;
    },
    retries: 0,
    get(kind, name) {
      log.push(`get ${kind.kind}/${name}`);
      return Promise.resolve(structuredClone(store.get(`${kind.kind}/${name}`) ?? null));
    },
    list(kind: ResourceKind, selector?: string) {
      log.push(`list ${kind.kind}`);
      const [key, value] = (selector ?? "").split("=");
      return Promise.resolve(
        [...store.values()].filter((object) =>
          object.kind === kind.kind && (!key || object.metadata.labels?.[key] === value)
        ).map((object) => structuredClone(object)),
      );
    },
    apply(kind, object) {
      log.push(`apply ${kind.kind}/${object.metadata.name}`);
      const stored = { ...structuredClone(object), metadata: { ...object.metadata, uid: "x" } };
      store.set(`${kind.kind}/${object.metadata.name}`, stored);
      return Promise.resolve(stored);
    },
    mergePatch(kind, name, patch) {
      log.push(`patch ${kind.kind}/${name}`);
      const stored = store.get(`${kind.kind}/${name}`)!;
      const metadata = (patch as { metadata?: Record<string, unknown> }).metadata ?? {};
      stored.metadata = { ...stored.metadata, ...metadata } as KubeObject["metadata"];
      return Promise.resolve(structuredClone(stored));
    },
    delete(kind, name) {
      log.push(`delete ${kind.kind}/${name}`);
      store.delete(`${kind.kind}/${name}`);
      return Promise.resolve();
    },
  };
  return { client, store, log };
}

const service = (name: string, port: number): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: {
    ports: [{ port, name: `tcp-${port}`, targetPort: port }],
    selector: { "app.kubernetes.io/name": name },
  },
});

Deno.test("first reconcile applies every desired object with our label and digest", async () => {
  const { client, store, log } = memoryClient();
  const report = await reconcileOwned(client, "gai", [{
    kind: KINDS.service,
    objects: [service("a", 80)],
  }]);
  deepStrictEqual({ ...report, live: undefined }, {
    applied: ["Service/a"],
    deleted: [],
    unchanged: [],
    adopted: [],
    rejected: [],
    live: undefined,
  });
  deepStrictEqual(log, ["list Service", "get Service/a", "apply Service/a"]);
  const stored = store.get("Service/a")!;
  strictEqual(stored.metadata.labels?.[MANAGED_BY], "gai");
  ok(/^[0-9a-f]{32}$/.test(stored.metadata.annotations?.[DESIRED_HASH] ?? ""));
});

Deno.test("a second reconcile with the same input only lists", async () => {
  const { client, log } = memoryClient();
  const sets = [{ kind: KINDS.service, objects: [service("a", 80), service("b", 81)] }];
  await reconcileOwned(client, "gai", sets);
  log.length = 0;
  const report = await reconcileOwned(client, "gai", sets);
  deepStrictEqual({ ...report, live: [...report.live.keys()] }, {
    applied: [],
    deleted: [],
    unchanged: ["Service/a", "Service/b"],
    adopted: [],
    rejected: [],
    live: ["Service/a", "Service/b"],
  });
  deepStrictEqual(log, ["list Service"]);
});

Deno.test("a changed object is applied again, without a get", async () => {
  const { client, log } = memoryClient();
  await reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [service("a", 80)] }]);
  log.length = 0;
  await reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [service("a", 8080)] }]);
  deepStrictEqual(log, ["list Service", "apply Service/a"]);
});

Deno.test("drift in a field we manage is corrected", async () => {
  const { client, store, log } = memoryClient();
  await reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [service("a", 80)] }]);
  (store.get("Service/a")!.spec as { selector: Record<string, string> }).selector = { x: "y" };
  log.length = 0;
  await reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [service("a", 80)] }]);
  deepStrictEqual(log, ["list Service", "apply Service/a"]);
});

Deno.test("labelled objects no longer desired are deleted; others are never touched", async () => {
  const foreign = { ...service("foreign", 1), metadata: { name: "foreign" } };
  const other = {
    ...service("other", 2),
    metadata: { name: "other", labels: { [MANAGED_BY]: "gai-2" } },
  };
  const { client, store, log } = memoryClient([foreign, other]);
  await reconcileOwned(client, "gai", [{
    kind: KINDS.service,
    objects: [service("a", 80), service("b", 81)],
  }]);
  log.length = 0;
  const report = await reconcileOwned(client, "gai", [{
    kind: KINDS.service,
    objects: [service("b", 81)],
  }]);
  deepStrictEqual({ ...report, live: [...report.live.keys()] }, {
    applied: [],
    deleted: ["Service/a"],
    unchanged: ["Service/b"],
    adopted: [],
    rejected: [],
    live: ["Service/b"],
  });
  deepStrictEqual([...store.keys()].sort(), ["Service/b", "Service/foreign", "Service/other"]);
});

Deno.test("an empty desired set deletes all of ours of that kind", async () => {
  const { client, store } = memoryClient();
  await reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [service("a", 80)] }]);
  await reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [] }]);
  strictEqual(store.size, 0);
});

Deno.test("a name clash with an object we do not own is an error naming it", async () => {
  for (const labels of [undefined, { [MANAGED_BY]: "gai-2" }]) {
    const { client, log } = memoryClient([{ ...service("a", 1), metadata: { name: "a", labels } }]);
    await rejects(
      reconcileOwned(client, "gai", [{ kind: KINDS.service, objects: [service("a", 80)] }]),
      (error: unknown) => {
        ok(error instanceof KubeError);
        strictEqual(error.kind, "conflict");
        ok(
          error.message.startsWith("Service demo/a already exists and is not managed by gai"),
          error.message,
        );
        if (labels) ok(error.message.includes("managed by gai-2"), error.message);
        return true;
      },
    );
    ok(!log.some((line) => line.startsWith("apply")), log.join());
  }
});

/** The memory client, refusing to apply the named objects as the API refuses invalid ones. */
function refusing(names: readonly string[], seed: KubeObject[] = []) {
  const memory = memoryClient(seed);
  const apply = memory.client.apply.bind(memory.client);
  memory.client.apply = (kind, object) =>
    names.includes(object.metadata.name)
      ? Promise.reject(
        new KubeError("invalid", "Service is invalid", {
          status: 422,
          object: `${kind.kind}/${object.metadata.name}`,
          causes: [{ field: "spec.selector", message: "Invalid value" }],
        }),
      )
      : apply(kind, object);
  return memory;
}

Deno.test("in an isolated set a refused object is reported and the others are applied", async () => {
  const old = { ...service("b", 1), metadata: { name: "b", labels: { [MANAGED_BY]: "gai" } } };
  const { client, store } = refusing(["b"], [old]);
  const report = await reconcileOwned(client, "gai", [{
    kind: KINDS.service,
    objects: [service("a", 80), service("b", 80), service("c", 80)],
    isolated: true,
  }]);
  deepStrictEqual(report.applied, ["Service/a", "Service/c"]);
  deepStrictEqual(report.rejected.map((rejection) => rejection.object), ["Service/b"]);
  strictEqual(report.rejected[0].error.details.causes?.[0].field, "spec.selector");
  // The live object of a refused name is left as it was: neither changed nor deleted.
  deepStrictEqual(store.get("Service/b"), old);
  deepStrictEqual([...report.live.keys()].sort(), ["Service/a", "Service/c"]);
});

Deno.test("outside an isolated set a refused object fails the reconcile", async () => {
  const { client, store } = refusing(["a"]);
  await rejects(
    reconcileOwned(client, "gai", [{
      kind: KINDS.service,
      objects: [service("a", 80), service("b", 80)],
    }]),
    (error: unknown) => error instanceof KubeError && error.kind === "invalid",
  );
  strictEqual(store.size, 0, "nothing after the refused object is applied");
});

Deno.test("an isolated set still fails on errors other than invalid", async () => {
  const { client } = memoryClient();
  client.apply = () => Promise.reject(new KubeError("unavailable", "down", { status: 503 }));
  await rejects(
    reconcileOwned(client, "gai", [{
      kind: KINDS.service,
      objects: [service("a", 80)],
      isolated: true,
    }]),
    (error: unknown) => error instanceof KubeError && error.kind === "unavailable",
  );
});

Deno.test("kinds are reconciled in the order given", async () => {
  const { client, log } = memoryClient();
  const gateway: KubeObject = {
    apiVersion: KINDS.gateway.apiVersion,
    kind: "Gateway",
    metadata: { name: "g" },
  };
  await reconcileOwned(client, "gai", [
    { kind: KINDS.gateway, objects: [gateway] },
    { kind: KINDS.service, objects: [service("a", 80)] },
  ]);
  deepStrictEqual(log.filter((line) => line.startsWith("apply")), [
    "apply Gateway/g",
    "apply Service/a",
  ]);
});

Deno.test("duplicate desired names are rejected before any request", async () => {
  const { client, log } = memoryClient();
  await rejects(
    reconcileOwned(client, "gai", [{
      kind: KINDS.service,
      objects: [service("a", 80), service("a", 81)],
    }]),
    /two desired Service objects are named a/,
  );
  strictEqual(log.length, 0);
});

Deno.test("contains: server-added fields are fine, changed or missing values are not", () => {
  ok(contains({ a: 1, b: { c: [1, { d: 2, e: 3 }] }, f: "x" }, { a: 1, b: { c: [1, { d: 2 }] } }));
  ok(!contains({ a: 1 }, { a: 2 }));
  ok(!contains({ a: [1, 2, 3] }, { a: [1, 2] }));
  ok(!contains({ a: [1] }, { a: [1, 2] }));
  ok(!contains({}, { a: { b: 1 } }));
  // Items with unique names are matched by name (server-side apply keeps a list-map's live order).
  const listeners = [{ name: "http", port: 80 }, { name: "tcp", port: 20000 }, {
    name: "x",
    port: 80,
  }];
  ok(contains({ l: [listeners[0], listeners[2], listeners[1]] }, { l: listeners }));
  ok(!contains({ l: [listeners[0], { name: "x", port: 81 }, listeners[1]] }, { l: listeners }));
  ok(!contains({ l: [listeners[0], listeners[1], { name: "y", port: 80 }] }, { l: listeners }));
  // Without unique names, position counts.
  ok(
    !contains({ l: [{ name: "a", v: 2 }, { name: "a", v: 1 }] }, {
      l: [{ name: "a", v: 1 }, { name: "a", v: 2 }],
    }),
  );
  ok(!contains({ a: "1" }, { a: 1 }));
  ok(contains({ a: 1 }, { a: undefined }));
});
