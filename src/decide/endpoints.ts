/**
 * `show-proxied-endpoints`, as traefik-k8s answers it: one JSON object under `proxied-endpoints`
 * with the charm's own endpoint under its application name, each ingress application under its
 * name, each per-unit unit under its unit name (a TCP unit's URL is `<address>:<port>`), each
 * gateway-route application under its name, and each traefik-route application under its name
 * (`<scheme>://<external_host>`, with the TCP and UDP ports it holds), each as `{"url": …}`. Only what our databags
 * publish is listed: that is what requirers were told and what is served. Pure.
 */
import { urlHost } from "../gateway/address.ts";
import { l4ListenerName, type L4Protocol } from "../gateway/l4.ts";
import { type Outcome, reportOnly } from "../outcome.ts";
import type { ProxiedEndpointsWorld } from "../world.ts";

export const NOT_LEADER_FAILURE =
  "show-proxied-endpoints must run on the leader unit (only it can read what was published)";

interface Endpoint {
  url: string;
  /** A gateway-route application served on more than one hostname: all of them. */
  urls?: string[];
  /** A traefik-route application's TCP (and TLS passthrough) and UDP ports: `<address>:<port>`. */
  tcp?: string[];
  udp?: string[];
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
  for (const { app, provided } of world.traefikRoutes) {
    const host = provided.external_host;
    const scheme = provided.scheme === "https" ? "https" : "http";
    if (!host) continue;
    const endpoint: Endpoint = { url: `${scheme}://${urlHost(host)}` };
    // Its listeners are named for it (`l4ListenerName`): the Gateway says which ports it holds.
    for (const listener of world.l4Listeners) {
      const protocol = listener.protocol as L4Protocol;
      if (listener.name !== l4ListenerName(world.app, app, { protocol, port: listener.port })) {
        continue;
      }
      if (world.gatewayAddress === null) continue;
      const address = `${urlHost(world.gatewayAddress)}:${listener.port}`;
      const list = protocol === "UDP" ? (endpoint.udp ??= []) : (endpoint.tcp ??= []);
      list.push(address);
    }
    endpoints[app] = endpoint;
  }
  return {
    ...reportOnly(null, logs),
    action: { results: { "proxied-endpoints": JSON.stringify(endpoints) } },
  };
}
