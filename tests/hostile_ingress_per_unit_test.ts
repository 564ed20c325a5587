/**
 * Hostile ingress-per-unit unit data against the packed charm: malformed variants of one unit's
 * databag beside a valid unit of the same relation, which keeps its Service and URL (units are
 * skipped one by one, as the library does).
 */
import { ok, strictEqual } from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import type { Cluster } from "./cluster.ts";
import type { HookResult, JujuState, RelationState } from "./harness/juju/state.ts";
import { APP, HTTP, HUGE, names, relation, table, type Variant, withRelation } from "./hostile.ts";
import { unitData } from "./ingress_per_unit_fixtures.ts";

const HOST = "gw.example.com";

function prometheus(second?: Record<string, string>): RelationState {
  return {
    id: 1,
    endpoint: "ingress-per-unit",
    remoteApp: "prometheus",
    remoteAppData: {},
    remoteUnits: {
      "prometheus/0": unitData("prometheus/0"),
      ...(second ? { "prometheus/1": second } : {}),
    },
  };
}

const withSecond = (data: Record<string, string>) => (base: JujuState) =>
  withRelation(base, prometheus(data));
const invalid = (name: string, extra: Record<string, string>, problem: string): Variant => ({
  name,
  state: withSecond(unitData("prometheus/1", extra)),
  status: "blocked",
  message: new RegExp(`^Invalid ingress-per-unit data: unit prometheus/1: ${problem}`),
  log: new RegExp(`unit prometheus/1: ${problem}`),
});

function unitUrls(result: HookResult): Record<string, { url: string }> {
  return parseYaml(relation(result.state, 1).localAppData?.ingress ?? "{}") ?? {};
}

const firstKeepsUrl = (result: HookResult, cluster: Cluster) => {
  const urls = unitUrls(result);
  strictEqual(urls["prometheus/0"]?.url, `http://${HOST}/testing-prometheus-0`);
  ok(names(cluster, "Service").includes(`${APP}-prometheus-0-service`));
  if (result.state.unitStatus?.status !== "active") strictEqual(urls["prometheus/1"], undefined);
};

table("ingress-per-unit unit data", { leader: true, config: HTTP, relations: [prometheus()] }, [
  invalid("port huge", { port: HUGE }, 'port "a{60}…" is not a port number'),
  invalid("port negative", { port: "-1" }, 'port "-1" is not a port number'),
  invalid("port 0", { port: "0" }, 'port "0"'),
  invalid("port 65536", { port: "65536" }, 'port "65536"'),
  invalid("port a float", { port: "9090.0" }, 'port "9090.0"'),
  invalid("model with a NUL", { model: "test\u0000ing" }, 'model "test\\\\u0000ing" is not'),
  invalid("model upper case", { model: "Testing" }, 'model "Testing" is not a Juju model name'),
  invalid("model of 64 characters", { model: "m".repeat(64) }, "model"),
  invalid("name of another unit", { name: "prometheus/0" }, 'name "prometheus/0" is not the'),
  invalid("name huge", { name: HUGE }, 'name "a{60}…" is not the unit\'s name'),
  invalid("mode udp", { mode: "udp" }, 'mode "udp" is not "http" or "tcp"'),
  invalid("scheme h2c", { scheme: "h2c" }, 'scheme "h2c" is not "http" or "https"'),
  invalid("port missing", { port: "" }, '"port" missing'),
  {
    name: "nothing written yet",
    state: withSecond({}),
    status: "waiting",
    message: /^Waiting for ingress data from prometheus\/1$/,
  },
  {
    name: 'flags not exactly "true" are false; a huge host is not used',
    state: withSecond(unitData("prometheus/1", { "strip-prefix": "TRUE", host: HUGE })),
    status: "active",
    message: /^Gateway addresses: 10\.0\.0\.9/,
  },
], firstKeepsUrl);
