/**
 * Hostile ingress requirer data against the packed charm (issue 8): malformed variants of the
 * application and unit databags beside a valid requirer, which keeps its Service and URL.
 */
import { ok, strictEqual } from "node:assert/strict";
import type { Cluster } from "./cluster.ts";
import type { HookResult, JujuState } from "./harness/juju/state.ts";
import {
  APP,
  HOST,
  HTTP,
  HUGE,
  ingress,
  names,
  table,
  url,
  type Variant,
  WEB,
  withRelation,
} from "./hostile.ts";

// --- ingress application data ---

const INGRESS_INVALID = "^Validation of ingress relation data failed\\. bad: ";
const badApp = (data: Record<string, string>, units?: Record<string, Record<string, string>>) =>
(
  base: JujuState,
) => withRelation(base, { ...ingress(2, "bad", data, units) });
const invalidApp = (name: string, data: Record<string, string>, field: string): Variant => ({
  name,
  state: badApp(data),
  status: "blocked",
  message: new RegExp(`${INGRESS_INVALID}application field "${field}" `),
  log: new RegExp(`application field "${field}"`),
});
const webKeepsUrl = (result: HookResult, cluster: Cluster) => {
  strictEqual(url(result, 1), `http://${HOST}/testing-web`);
  ok(names(cluster, "Service").includes(`${APP}-web-service`));
  const bad = result.state.relations!.find((r) => r.id === 2);
  if (bad && result.state.unitStatus?.status !== "active") strictEqual(url(result, 2), undefined);
};

table("ingress application data", { leader: true, config: HTTP, relations: [WEB] }, [
  invalidApp("port not JSON", { port: "eighty" }, "port"),
  invalidApp("port a JSON string", { port: '"8080"' }, "port"),
  invalidApp("port 0", { port: "0" }, "port"),
  invalidApp("port 65535", { port: "65535" }, "port"),
  invalidApp("port a float", { port: "80.5" }, "port"),
  invalidApp("port null", { port: "null" }, "port"),
  invalidApp("port too big for a number", { port: "1e400" }, "port"),
  invalidApp("port a list", { port: "[80]" }, "port"),
  invalidApp("model missing", { model: "" }, "model"),
  invalidApp("model a number", { model: "7" }, "model"),
  invalidApp("model of 64 characters", { model: JSON.stringify("m".repeat(64)) }, "model"),
  invalidApp("name an object", { name: '{"a": 1}' }, "name"),
  invalidApp("name of 64 characters (a label value)", {
    name: JSON.stringify(`a${"b".repeat(63)}`),
  }, "name"),
  invalidApp("name in unicode", { name: '"wéb"' }, "name"),
  invalidApp("name with an escaped NUL", { name: '"we\\u0000b"' }, "name"),
  invalidApp("name with a raw NUL (not JSON)", { name: "we\u0000b" }, "name"),
  invalidApp("name with terminal escapes", { name: JSON.stringify("\u001b[31mred") }, "name"),
  invalidApp("name huge", { name: JSON.stringify(HUGE) }, "name"),
  invalidApp("name huge and not JSON", { name: HUGE }, "name"),
  invalidApp("strip-prefix not a boolean", { "strip-prefix": '"maybe"' }, "strip-prefix"),
  invalidApp("redirect-https a list", { "redirect-https": "[]" }, "redirect-https"),
  invalidApp("scheme unknown", { scheme: '"ftp"' }, "scheme"),
  invalidApp("healthcheck_params a list", { healthcheck_params: "[]" }, "healthcheck_params"),
  {
    name: "nothing written yet",
    state: (base) =>
      withRelation(base, { ...ingress(2, "bad"), remoteAppData: { unrelated: "x" } }),
    status: "waiting",
    message: /^Waiting for ingress data from bad$/,
  },
  {
    name: "a legacy ingress v1 requirer with a port that is not a number",
    state: (base) =>
      withRelation(base, {
        ...ingress(2, "bad"),
        remoteAppData: { model: "testing", name: "bad", host: "bad-0.bad", port: "80; true" },
        remoteUnits: { "bad/0": {} },
      }),
    status: "blocked",
    message: new RegExp(`${INGRESS_INVALID}application field "port" .*\\(ingress v1\\)`),
    log: /bad: application field "port"/,
  },
], webKeepsUrl);

// --- ingress unit data ---

const invalidUnit = (name: string, data: Record<string, string>, field: string): Variant => ({
  name,
  state: badApp({}, { "bad/0": { host: '"bad-0"' }, "bad/1": data }),
  status: "blocked",
  message: new RegExp(`${INGRESS_INVALID}unit bad/1 field "${field}" `),
  log: new RegExp(`unit bad/1 field "${field}"`),
});
const harmlessUnit = (name: string, data: Record<string, string>): Variant => ({
  name: `${name} (not used in any object)`,
  state: badApp({}, { "bad/0": data }),
  status: "active",
  message: /^Gateway addresses: 10\.0\.0\.9 /,
});

table("ingress unit data", { leader: true, config: HTTP, relations: [WEB] }, [
  invalidUnit("host not JSON", { host: "bad-1" }, "host"),
  invalidUnit("host a number", { host: "5" }, "host"),
  invalidUnit("host missing beside an ip", { ip: '"10.1.1.1"' }, "host"),
  invalidUnit("host null", { host: "null" }, "host"),
  invalidUnit("ip not an address", { host: '"h"', ip: '"999.1.1.1"' }, "ip"),
  invalidUnit("ip a number", { host: '"h"', ip: "10" }, "ip"),
  invalidUnit("ip huge", { host: '"h"', ip: JSON.stringify(HUGE) }, "ip"),
  invalidUnit("ip with a NUL", { host: '"h"', ip: '"10.0.0.1\\u0000"' }, "ip"),
  harmlessUnit("host in unicode", { host: '"hôte-0"' }),
  harmlessUnit("host with control characters", { host: JSON.stringify("h\u0000\u001b") }),
  harmlessUnit("host huge", { host: JSON.stringify(HUGE) }),
  {
    name: "a unit that has written nothing yet",
    state: badApp({}, { "bad/0": { "private-address": "10.1.2.3" } }),
    status: "waiting",
    message: /^Waiting for ingress data from bad$/,
  },
], webKeepsUrl);
