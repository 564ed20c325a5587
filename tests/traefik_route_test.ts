/**
 * Black-box traefik-route scenarios: the packed charm, the fake hook tools and the fake API server
 * (which validates every object against the real CRDs). The hockeypuck-k8s configuration is the
 * acceptance example; then UDP, HTTP with middlewares, refused constructs (each named in the
 * status, the other requirers still served), two requirers asking for one port, and a requirer's
 * removal taking its listener and routes in the same hook. Our databag is checked against the
 * interface's example provider data (traefik_route has no published schema).
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { stringify } from "yaml";
import { type Cluster } from "./cluster.ts";
import type { HookEvent, HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { packedCharmDir, runHook } from "./harness/runner.ts";
import type { KubeObject } from "../src/k8s/types.ts";
import { ingressRequirer, ok0, withCluster } from "./blackbox.ts";
import { hockeypuckTraefik, unitHost } from "./traefik_route_fixtures.ts";

const APP = "gateway-api-integrator";
const charmDir = await packedCharmDir();
const CONFIG = { "enforce-https": false, "gateway-class": "cilium" };
const CHANGED: HookEvent = { kind: "hook", name: "config-changed" };
const UPDATE: HookEvent = { kind: "hook", name: "update-status" };
const EXAMPLE = JSON.parse(
  await Deno.readTextFile(
    new URL(
      "../../shared/reference/data/interfaces/_examples/traefik_route_v0.json",
      import.meta.url,
    ),
  ),
) as { provider_app: Record<string, string> };

/** A traefik-route requirer's relation, its YAML as the Python library writes it. */
function requirer(
  id: number,
  app: string,
  config: Record<string, unknown>,
  staticConfig: Record<string, unknown> | null,
  units = 1,
): RelationState {
  return {
    id,
    endpoint: "traefik-route",
    remoteApp: app,
    remoteAppData: {
      config: stringify(config, { sortMapEntries: true }),
      ...(staticConfig ? { static: stringify(staticConfig, { sortMapEntries: true }) } : {}),
      raw: "False",
    },
    remoteUnits: Object.fromEntries(Array.from({ length: units }, (_, n) => [`${app}/${n}`, {}])),
  };
}

const host = (app: string, n: number) => unitHost(app, n);

/** What hockeypuck-k8s sends (issue 12): its reconciliation port 11370 over TCP. */
function hockeypuck(id = 1, app = "hockeypuck", units = 2, port = 11370): RelationState {
  const sent = hockeypuckTraefik(app, port, units);
  return requirer(id, app, sent.config, sent.static, units);
}

/** A DNS server's port 53 published on 5353/UDP. */
function coredns(id = 2): RelationState {
  return requirer(
    id,
    "coredns",
    {
      udp: {
        routers: { dns: { entryPoints: ["dns"], service: "dns" } },
        services: {
          dns: { loadBalancer: { servers: [{ address: `${host("coredns", 0)}:53` }] } },
        },
      },
    },
    { entryPoints: { dns: { address: ":5353/udp" } } },
  );
}

function run(cluster: Cluster, state: JujuState, event: HookEvent = CHANGED): Promise<HookResult> {
  return runHook(charmDir, state, event, { env: cluster.env });
}

const names = (objects: KubeObject[]) => objects.map((object) => object.metadata.name).sort();
const specOf = <T>(object: KubeObject | undefined): T => (object as unknown as { spec: T }).spec;
interface Listener {
  name: string;
  port: number;
  protocol: string;
}
const listeners = (cluster: Cluster): Listener[] =>
  specOf<{ listeners: Listener[] }>(cluster.objects("Gateway")[0]).listeners.map((
    { name, port, protocol },
  ) => ({ name, port, protocol }));
const localData = (result: HookResult, id: number) =>
  result.state.relations?.find((relation) => relation.id === id)?.localAppData ?? {};
const writes = (cluster: Cluster) =>
  cluster.server.resourceRequests().filter((request) => request.method !== "GET");

Deno.test("hockeypuck: port 11370 becomes a TCP listener and a TCPRoute to its pods", () =>
  withCluster(async (cluster) => {
    const state: JujuState = { leader: true, config: CONFIG, relations: [hockeypuck()] };
    const first = ok0(await run(cluster, state));
    deepStrictEqual(listeners(cluster), [
      { name: `${APP}-http`, port: 80, protocol: "HTTP" },
      { name: `${APP}-hockeypuck-tcp-11370`, port: 11370, protocol: "TCP" },
    ]);
    const [route] = cluster.objects("TCPRoute");
    deepStrictEqual(specOf(route), {
      parentRefs: [{
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: APP,
        namespace: "testing",
        sectionName: `${APP}-hockeypuck-tcp-11370`,
      }],
      rules: [{
        backendRefs: [{
          group: "",
          kind: "Service",
          name: `${APP}-hockeypuck-tr-11370`,
          port: 11370,
          weight: 1,
        }],
      }],
    });
    const service = cluster.objects("Service").find((s) =>
      s.metadata.name === `${APP}-hockeypuck-tr-11370`
    );
    deepStrictEqual(specOf<{ selector: unknown }>(service).selector, {
      "app.kubernetes.io/name": "hockeypuck",
    });
    deepStrictEqual(localData(first, 1), {}, "no provider data before the Gateway has an address");

    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const second = ok0(await run(cluster, first.state, UPDATE));
    deepStrictEqual(second.state.unitStatus, {
      status: "active",
      message: "Gateway addresses: 10.0.0.9 (enforce-https is set to false)",
    });
    const data = localData(second, 1);
    deepStrictEqual(data, { external_host: "10.0.0.9", scheme: "http" });
    deepStrictEqual(Object.keys(data).sort(), Object.keys(EXAMPLE.provider_app).sort());

    cluster.server.resetLog();
    ok0(await run(cluster, second.state, UPDATE));
    deepStrictEqual(writes(cluster), [], "a steady-state hook writes nothing");
    // Each owned kind in use is listed once: TCPRoute too, UDPRoute and TLSRoute not.
    deepStrictEqual(
      cluster.server.resourceRequests({ verb: "list" }).map((request) => request.resource).sort(),
      ["gatewayclasses", "gateways", "httproutes", "secrets", "services", "tcproutes"],
    );
    deepStrictEqual(
      cluster.server.resourceRequests().filter((request) => request.verb !== "list"),
      [],
    );
  }));

Deno.test("UDP: a udp router on :5353/udp becomes a UDP listener and a UDPRoute", () =>
  withCluster(async (cluster) => {
    const dns = coredns();
    ok0(await run(cluster, { leader: true, config: CONFIG, relations: [dns] }));
    deepStrictEqual(listeners(cluster)[1], {
      name: `${APP}-coredns-udp-5353`,
      port: 5353,
      protocol: "UDP",
    });
    deepStrictEqual(names(cluster.objects("UDPRoute")), [`${APP}-coredns-dns-5353`]);
    const service = cluster.objects("Service").find((s) =>
      s.metadata.name === `${APP}-coredns-tr-53-udp`
    );
    deepStrictEqual(specOf<{ ports: unknown }>(service).ports, [
      { name: "udp-53", port: 53, targetPort: 53, protocol: "UDP" },
    ]);
  }));

Deno.test("HTTP with stripPrefix, headers and redirectScheme becomes HTTPRoute matches and filters", () =>
  withCluster(async (cluster) => {
    const web = requirer(3, "blog", {
      http: {
        routers: {
          blog: {
            rule: "PathPrefix(`/blog`)",
            entryPoints: ["web"],
            service: "blog",
            middlewares: ["strip", "hdr"],
          },
          login: { rule: "Path(`/login`)", service: "blog", middlewares: ["secure"] },
        },
        middlewares: {
          strip: { stripPrefix: { prefixes: ["/blog"] } },
          hdr: { headers: { customResponseHeaders: { "X-Frame-Options": "DENY" } } },
          secure: { redirectScheme: { scheme: "https", permanent: true } },
        },
        services: {
          blog: { loadBalancer: { servers: [{ url: `http://${host("blog", 0)}:8080` }] } },
        },
      },
    }, null);
    ok0(await run(cluster, { leader: true, config: CONFIG, relations: [web] }));
    // No certificate: only the HTTP listener, so only the HTTP routes.
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [
      `${APP}-blog-tr-blog-http`,
      `${APP}-blog-tr-login-http`,
    ]);
    const blog = cluster.objects("HTTPRoute").find((r) =>
      r.metadata.name === `${APP}-blog-tr-blog-http`
    );
    const rule = specOf<{ rules: { matches: unknown; filters: unknown }[] }>(blog).rules[0];
    deepStrictEqual(rule.matches, [{ path: { type: "PathPrefix", value: "/blog" } }]);
    deepStrictEqual(rule.filters, [
      {
        type: "URLRewrite",
        urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
      },
      {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: { set: [{ name: "X-Frame-Options", value: "DENY" }] },
      },
    ]);
    const login = cluster.objects("HTTPRoute").find((r) =>
      r.metadata.name === `${APP}-blog-tr-login-http`
    );
    deepStrictEqual(specOf<{ rules: unknown[] }>(login).rules, [{
      matches: [{ path: { type: "Exact", value: "/login" } }],
      filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }],
    }]);
    deepStrictEqual(cluster.objects("TCPRoute"), []);
  }));

Deno.test("a router on an ingress requirer's path is refused whole; the requirer keeps its route", () =>
  withCluster(async (cluster) => {
    const evil = requirer(3, "evil", {
      http: {
        routers: {
          ok: { rule: "PathPrefix(`/evil`)", service: "s" },
          r: { rule: "PathPrefix(`/testing-web`)", service: "s" },
        },
        services: { s: { loadBalancer: { servers: [{ url: `http://${host("evil", 0)}:80` }] } } },
      },
    }, null);
    const state = { leader: true, config: CONFIG, relations: [ingressRequirer(1, "web"), evil] };
    const result = ok0(await run(cluster, state));
    deepStrictEqual(names(cluster.objects("HTTPRoute")), [`${APP}-web-http`]);
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: "Invalid traefik-route relation data: evil: router r (PathPrefix /testing-web) " +
        "would take requests under /testing-web, where web is served",
    });
  }));

Deno.test("unsupported constructs block naming each requirer, router and construct; the others are served", () =>
  withCluster(async (cluster) => {
    const limited = requirer(4, "limited", {
      http: {
        routers: { api: { rule: "PathPrefix(`/api`)", service: "api", middlewares: ["limit"] } },
        middlewares: { limit: { rateLimit: { average: 10 } } },
        services: {
          api: { loadBalancer: { servers: [{ url: `http://${host("limited", 0)}:80` }] } },
        },
      },
    }, null);
    const regex = requirer(5, "regex", {
      http: {
        routers: { any: { rule: "HostRegexp(`^.+\\.example\\.com$`)", service: "any" } },
        services: {
          any: { loadBalancer: { servers: [{ url: `http://${host("regex", 0)}:80` }] } },
        },
      },
    }, null);
    const weighted = requirer(6, "weighted", {
      tcp: {
        routers: { db: { rule: "HostSNI(`*`)", entryPoints: ["db"], service: "db" } },
        services: { db: { weighted: { services: [{ name: "a", weight: 1 }], healthCheck: {} } } },
      },
    }, { entryPoints: { db: { address: ":5432" } } });
    const relations = [hockeypuck(), limited, regex, weighted];
    const result = ok0(await run(cluster, { leader: true, config: CONFIG, relations }));
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: "Invalid traefik-route relation data: " +
        'limited: http router "api": middleware "limit": "rateLimit" middlewares are not supported; ' +
        'regex: http router "any": regular-expression rules (HostRegexp) are not supported; ' +
        'weighted: tcp router "db": service "db" weighted: "healthCheck" is not supported',
    });
    // Nothing of theirs, all of hockeypuck's.
    deepStrictEqual(names(cluster.objects("TCPRoute")), [
      `${APP}-hockeypuck-hockeypuck-tcp-router-11370`,
    ]);
    deepStrictEqual(cluster.objects("HTTPRoute"), []);
    deepStrictEqual(listeners(cluster).map((l) => l.port), [80, 11370]);
    ok(!cluster.objects("Service").some((s) => /limited|regex|weighted/.test(s.metadata.name)));
  }));

Deno.test("two requirers asking for one port: the second is blocked naming both, the first keeps it", () =>
  withCluster(async (cluster) => {
    const first = hockeypuck(1, "hockeypuck");
    const second = hockeypuck(2, "keyserver");
    const one = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [first, second] }),
    );
    deepStrictEqual(one.state.unitStatus, {
      status: "blocked",
      message:
        "traefik-route keyserver: port 11370/TCP is already taken by traefik-route hockeypuck",
    });
    deepStrictEqual(listeners(cluster).map((l) => l.name), [
      `${APP}-http`,
      `${APP}-hockeypuck-tcp-11370`,
    ]);
    ok(!cluster.objects("Service").some((s) => s.metadata.name.includes("keyserver")));
    // Listed first later on, the newcomer still does not take the port from its holder.
    const two = ok0(await run(cluster, { ...one.state, relations: [second, first] }, UPDATE));
    strictEqual(two.state.unitStatus?.message, one.state.unitStatus?.message);
    deepStrictEqual(listeners(cluster).map((l) => l.name), [
      `${APP}-http`,
      `${APP}-hockeypuck-tcp-11370`,
    ]);
  }));

Deno.test("a port the HTTP listeners use is refused naming them", () =>
  withCluster(async (cluster) => {
    const result = ok0(
      await run(cluster, {
        leader: true,
        config: CONFIG,
        relations: [hockeypuck(1, "hkp", 1, 80)],
      }),
    );
    deepStrictEqual(result.state.unitStatus, {
      status: "blocked",
      message: "traefik-route hkp: port 80/TCP is already taken by the Gateway's HTTP listeners",
    });
    deepStrictEqual(cluster.objects("TCPRoute"), []);
  }));

Deno.test("removing a requirer removes its listener, route and Service in the same hook", () =>
  withCluster(async (cluster) => {
    const relation = hockeypuck();
    const first = ok0(await run(cluster, { leader: true, config: CONFIG, relations: [relation] }));
    strictEqual(cluster.objects("TCPRoute").length, 1);
    const broken = first.state.relations!.map((r) =>
      r.id === 1 ? { ...r, remoteUnits: {}, dying: true } : r
    );
    ok0(
      await run(cluster, { ...first.state, relations: broken }, {
        kind: "relation",
        name: "broken",
        relationId: 1,
      }),
    );
    deepStrictEqual(listeners(cluster).map((l) => l.name), [`${APP}-http`]);
    deepStrictEqual(cluster.objects("TCPRoute"), []);
    ok(!cluster.objects("Service").some((s) => s.metadata.name.includes("hockeypuck")));
  }));

Deno.test("a config that blocks the charm withdraws the L4 routes with the HTTP ones, and a fix restores them", () =>
  withCluster(async (cluster) => {
    const first = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [hockeypuck()] }),
    );
    strictEqual(cluster.objects("TCPRoute").length, 1);
    // HTTPS enforced with no certificates relation: blocked before the cluster is consulted.
    const bad = { ...CONFIG, "enforce-https": true };
    const blocked = ok0(await run(cluster, { ...first.state, config: bad }));
    strictEqual(blocked.state.unitStatus?.status, "blocked");
    deepStrictEqual(cluster.objects("TCPRoute"), []);
    ok(!cluster.objects("Service").some((s) => s.metadata.name.includes("hockeypuck")));
    ok0(await run(cluster, { ...blocked.state, config: CONFIG }));
    strictEqual(cluster.objects("TCPRoute").length, 1);
  }));

Deno.test("config that is not YAML blocks naming the requirer; one with no config yet waits quietly", () =>
  withCluster(async (cluster) => {
    const bad: RelationState = {
      ...hockeypuck(1, "bad"),
      remoteAppData: { config: "tcp: [unclosed", raw: "False" },
    };
    const empty: RelationState = { ...hockeypuck(2, "later"), remoteAppData: {} };
    const first = ok0(
      await run(cluster, { leader: true, config: CONFIG, relations: [bad, empty] }),
    );
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const result = ok0(await run(cluster, first.state, UPDATE));
    strictEqual(result.state.unitStatus?.status, "blocked");
    ok(
      result.state.unitStatus!.message.startsWith(
        "Invalid traefik-route relation data: bad: config is not valid YAML",
      ),
      result.state.unitStatus!.message,
    );
    ok(!result.state.unitStatus!.message.includes("later"));
    // Both learn where the Gateway is: a requirer may wait for it before it sends its config.
    deepStrictEqual(localData(result, 2), { external_host: "10.0.0.9", scheme: "http" });
  }));

Deno.test("the YAML parser is reached only by a dynamic import: hooks without YAML never load it", async () => {
  const bin = `${charmDir}/bin`;
  const entry = [...Deno.readDirSync(bin)].map((e) => e.name).find((name) =>
    name.startsWith("gateway-api-integrator") && name.endsWith(".js")
  );
  if (entry === undefined) return; // the compiled form is one executable: nothing to look into
  const eager = new Set<string>();
  const visit = (name: string) => {
    if (eager.has(name)) return;
    eager.add(name);
    const text = Deno.readTextFileSync(`${bin}/${name}`);
    for (
      const m of text.matchAll(/(?:^|[;}\s])(?:import|export)\b[^"'()]*?["']\.\/([^"']+)["']/g)
    ) {
      visit(m[1]);
    }
  };
  visit(entry);
  const yamlChunks = [...Deno.readDirSync(bin)].map((e) => e.name)
    .filter((name) =>
      name.endsWith(".js") && Deno.readTextFileSync(`${bin}/${name}`).includes("YAMLParseError")
    );
  ok(yamlChunks.length > 0, "no chunk holds the YAML parser");
  for (const name of yamlChunks) ok(!eager.has(name), `${name} is loaded by every hook`);
  await Promise.resolve();
});

Deno.test("hostile traefik-route databags block that requirer by name; an ingress requirer keeps its URL", () =>
  withCluster(async (cluster) => {
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
      .concat(
        Array.from(
          { length: 8 },
          (_, i) =>
            `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${
              Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")
            }]`,
        ),
      ).join("\n");
    const variants: [Record<string, string>, string][] = [
      [{ config: "a".repeat(300_000) }, "config is longer than 262144 characters"],
      [{ config: "- just\n- a list\n" }, "config must be a YAML mapping"],
      [{ config: laughs }, "config is not valid YAML"],
      [{ config: "tcp: {}\n", static: "entryPoints: 7\n" }, "static entryPoints must be a mapping"],
      [
        { config: "http:\n  routers:\n    r: {rule: 'Host(`a`', service: s}\n" },
        'expected "," or ")" in Host',
      ],
      [{ config: "udp:\n  routers:\n    '\\0': {service: 5}\n" }, "names no entryPoints"],
    ];
    const web: RelationState = {
      id: 9,
      endpoint: "gateway",
      remoteApp: "web",
      remoteAppData: { model: '"testing"', name: '"web"', port: "8080" },
      remoteUnits: { "web/0": { host: '"web-0.web-endpoints.testing.svc.cluster.local"' } },
    };
    let state: JujuState = { leader: true, config: CONFIG, relations: [web] };
    state = ok0(await run(cluster, state)).state;
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    for (const [data, why] of variants) {
      const bad: RelationState = {
        ...hockeypuck(1, "evil"),
        remoteAppData: { raw: "False", ...data },
      };
      const result = ok0(await run(cluster, { ...state, relations: [web, bad] }, UPDATE));
      const message = result.state.unitStatus?.message ?? "";
      strictEqual(result.state.unitStatus?.status, "blocked", why);
      ok(message.startsWith("Invalid traefik-route relation data: evil: "), message);
      ok(message.includes(why), `${why} not in: ${message}`);
      ok(result.logs.some((log) => log.level === "WARNING" && log.message.includes("evil")));
      strictEqual(
        JSON.parse(localData(result, 9).ingress ?? "{}").url,
        "http://10.0.0.9/testing-web",
        why,
      );
      ok(!cluster.objects("Service").some((s) => s.metadata.name.includes("evil")), why);
    }
  }));

Deno.test("show-proxied-endpoints lists a traefik-route application's TCP and UDP ports", () =>
  withCluster(async (cluster) => {
    const dns = coredns();
    const state: JujuState = { leader: true, config: CONFIG, relations: [hockeypuck(), dns] };
    const first = ok0(await run(cluster, state));
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const served = ok0(await run(cluster, first.state, UPDATE));
    const result = await run(cluster, served.state, {
      kind: "action",
      name: "show-proxied-endpoints",
    });
    strictEqual(result.action?.status, "completed", JSON.stringify(result.action));
    deepStrictEqual(
      JSON.parse((result.action!.results as Record<string, string>)["proxied-endpoints"]),
      {
        [APP]: { url: "http://10.0.0.9" },
        hockeypuck: { url: "10.0.0.9:11370" },
        coredns: { url: "10.0.0.9:5353/udp" },
      },
    );
  }));
