/**
 * `show-proxied-endpoints`, as traefik-k8s answers it: one JSON object under `proxied-endpoints`
 * with the charm's own endpoint under its application name, each ingress application under its
 * name, each per-unit unit under its unit name (a TCP unit's URL is `<address>:<port>`), each
 * gateway-route application under its name, and each traefik-route application's TCP, UDP and
 * TLS ports under its name (`<address>:<port>`, `/udp` for UDP), each as `{"url": …}`. Only what
 * our databags publish, or the Gateway's listeners serve, is listed. Pure.
 */
import { urlHost } from "../gateway/address.ts";
import { type Outcome, reportOnly } from "../outcome.ts";
import type { ProxiedEndpointsWorld } from "../world.ts";
import { endpointConditions } from "./conditions.ts";

export const NOT_LEADER_FAILURE =
  "show-proxied-endpoints must run on the leader unit (only it can read what was published)";

interface Endpoint {
  url: string;
  /** A gateway-route application served on more than one hostname: all of them. */
  urls?: string[];
  /** What the Gateway controller says of it (when it reports conditions). */
  condition?: string;
}

/** A JSON value of our gateway-route provider databag, or null. */
function jsonField(value: string | undefined): unknown {
  if (value === undefined || value === "") return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

export function decideProxiedEndpoints(world: ProxiedEndpointsWorld): Outcome {
  if (!world.leader) return { ...reportOnly(null), action: { fail: NOT_LEADER_FAILURE } };
  const logs = world.gatewayError === null ? [] : [{
    level: "WARNING" as const,
    message: `the Gateway could not be read, its own endpoint is left out: ${world.gatewayError}`,
  }];
  const endpoints: Record<string, Endpoint> = {};
  const config = "message" in world.config ? null : world.config;
  const host = config?.externalHostname ??
    (world.gatewayAddress === null ? null : urlHost(world.gatewayAddress));
  if (host !== null) {
    endpoints[world.app] = {
      url: `${config?.enforceHttps === false ? "http" : "https"}://${host}`,
    };
  }
  for (const { app, url } of world.ingress) if (url !== null) endpoints[app] = { url };
  for (const { urls } of world.perUnit) {
    for (const [unit, url] of urls ?? []) endpoints[unit] = { url };
  }
  for (const { app, hostnames, provided } of world.routes) {
    const address = jsonField(provided.gateway_address);
    if (hostnames === null || typeof address !== "string") continue;
    const mode = jsonField(provided.https_mode);
    const scheme = mode === "enforced" || mode === "enabled" ? "https" : "http";
    const urls = (hostnames.length > 0 ? hostnames : [urlHost(address)]).map((name) =>
      `${scheme}://${name}`
    );
    endpoints[app] = urls.length > 1 ? { url: urls[0], urls } : { url: urls[0] };
  }
  // A traefik-route application's TCP, UDP and TLS ports: its listeners on the Gateway.
  for (const { app } of world.traefikRoutes) {
    if (world.gatewayAddress === null) break;
    const own = new RegExp(`^${world.app}-${app}-(tcp|udp|tls)-(\\d+)$`);
    const urls = world.l4Listeners.filter((listener) => own.test(listener.name)).map((listener) =>
      `${urlHost(world.gatewayAddress!)}:${listener.port}${
        listener.protocol === "UDP" ? "/udp" : ""
      }`
    );
    if (urls.length > 0) {
      endpoints[app] = urls.length > 1 ? { url: urls[0], urls } : { url: urls[0] };
    }
  }
  const said = endpointConditions(
    world.app,
    world.listed,
    world.ingress.map(({ app }) => app),
    world.perUnit.flatMap(({ urls }) => [...(urls ?? new Map()).keys()]),
  );
  for (const [key, endpoint] of Object.entries(endpoints)) {
    const condition = said.get(key);
    if (condition !== undefined) endpoint.condition = condition;
  }
  return {
    ...reportOnly(null, logs),
    action: { results: { "proxied-endpoints": JSON.stringify(endpoints) } },
  };
}
