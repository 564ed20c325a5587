/**
 * Hostile config against the packed charm (issue 8): values the Gateway API would refuse are
 * refused by the charm first, with its own Blocked message, and never reach the API server.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { Cluster } from "./cluster.ts";
import type { JujuState } from "./harness/juju/state.ts";
import {
  APP,
  CHANGED,
  checkVariant,
  HOST,
  HTTP,
  HUGE,
  run,
  UPDATE,
  url,
  type Variant,
  WEB,
  withCluster,
} from "./hostile.ts";

/** The Gateway is never written with a refused external-hostname. */
function noGatewayWrite(cluster: Cluster) {
  const writes = cluster.server.resourceRequests({ resource: "gateways" })
    .filter((request) => request.method !== "GET");
  deepStrictEqual(writes.map((request) => `${request.method} ${request.path}`), []);
}

const badHostname = (name: string, hostname: string, why: RegExp): Variant => ({
  name,
  state: (base) => ({ ...base, config: { ...HTTP, "external-hostname": hostname } }),
  status: "blocked",
  message: new RegExp(`^Invalid external-hostname ".*": ${why.source}`, "s"),
  log: /^blocked: Invalid external-hostname/,
});

Deno.test("hostile config: every variant exits 0 with a status naming it, the API never sees it", (t) =>
  withCluster(async (cluster) => {
    const base: JujuState = { leader: true, config: HTTP, relations: [WEB] };
    const first = await run(cluster, base, CHANGED);
    cluster.setGatewayAddresses(APP, [{ value: "10.0.0.9" }]);
    const ready = await run(cluster, first.state, UPDATE);
    strictEqual(url(ready, 1), `http://${HOST}/testing-web`);
    const variants: Variant[] = [
      badHostname(
        "an underscore",
        "gw.exa_mple",
        /not accepted by the Gateway API: .* Gateway API hostname/,
      ),
      badHostname(
        "254 characters",
        `${"a".repeat(60)}.`.repeat(4) + "a".repeat(10),
        /not accepted by the Gateway API: the hostname is longer than 253 characters/,
      ),
      badHostname(
        "a listener name too long",
        `${"a".repeat(60)}.`.repeat(3) + "b".repeat(50) + ".com",
        /not accepted by the Gateway API: the hostname is too long for a listener name/,
      ),
      badHostname("a NUL", "gw\u0000.example.com", /not a valid domain name/),
      badHostname("terminal escapes", "\u001b[31mgw.example.com", /not a valid domain name/),
      {
        name: "huge (the status is truncated)",
        state: (b) => ({ ...b, config: { ...HTTP, "external-hostname": HUGE } }),
        status: "blocked",
        message: /^Invalid external-hostname "a{400,}\.\.\.$/,
        log: /^blocked: Invalid external-hostname/,
      },
      badHostname("a wildcard", "*.example.com", /not a valid domain name/),
      {
        name: "a newline and quotes (quoted as JSON: the status stays one line)",
        state: (b) => ({
          ...b,
          config: { ...HTTP, "external-hostname": 'gw.example.com\nactive: "all good"' },
        }),
        status: "blocked",
        message:
          /^Invalid external-hostname "gw\.example\.com\\nactive: \\"all good\\"": not a valid domain name$/,
        log: /^blocked: Invalid external-hostname/,
      },
      {
        name: "a gateway-class with a NUL",
        state: (b) => ({ ...b, config: { ...HTTP, "gateway-class": "cil\u0000ium" } }),
        status: "blocked",
        message: /^Gateway class must be one of: \[cilium\]$/,
        log: /^blocked: Gateway class must be one of/,
      },
      {
        name: "a huge gateway-class",
        state: (b) => ({ ...b, config: { ...HTTP, "gateway-class": HUGE } }),
        status: "blocked",
        message: /^Gateway class must be one of: \[cilium\]$/,
      },
      {
        name: "an hsts-max-age beyond a safe integer",
        state: (b) => ({ ...b, config: { ...HTTP, "hsts-max-age": 2 ** 60 } }),
        status: "blocked",
        message: /^invalid configuration: hsts_max_age$/,
        log: /^blocked: invalid configuration: hsts_max_age/,
      },
    ];
    for (const variant of variants) {
      await t.step(variant.name, async () => {
        cluster.server.resetLog();
        const result = await run(cluster, await variant.state(ready.state), UPDATE);
        checkVariant(result, variant);
        noGatewayWrite(cluster);
        strictEqual(url(result, 1), undefined, "a Blocked configuration withdraws the URLs");
      });
    }
    await t.step("a unicode hostname is valid and served in its ASCII form", async () => {
      const result = await run(cluster, {
        ...ready.state,
        config: { ...HTTP, "external-hostname": "bücher.example" },
      }, UPDATE);
      strictEqual(result.state.unitStatus?.status, "active");
      strictEqual(url(result, 1), "http://xn--bcher-kva.example/testing-web");
    });
  }));
