/**
 * Traefik configuration (a traefik-route requirer's dynamic `config` and static `entryPoints`)
 * translated into what the Gateway API can express. Pure.
 *
 * - `tcp` routers on a declared entryPoint `:<port>` → a TCP listener and a TCPRoute; rules
 *   ``HostSNI(`*`)`` and ``ClientIP(`0.0.0.0/0`)`` mean every connection; ``HostSNI(`name`)``
 *   with `tls.passthrough` → a TLS listener and a TLSRoute;
 * - `udp` routers on `:<port>/udp` → a UDP listener and a UDPRoute;
 * - `http` routers on `web`/`websecure` with `Host`, `PathPrefix`, `Path` (and `&&`) and the
 *   middlewares `stripPrefix`, `redirectScheme` and `headers` (custom request and response
 *   headers) → HTTPRoute matches and filters, on the HTTP and/or HTTPS listeners;
 * - `loadBalancer.servers` naming units of the requirer in the Gateway's model → a Service
 *   selecting those pods (all of the application's, by `app.kubernetes.io/name`, or each one by
 *   `statefulset.kubernetes.io/pod-name`); a `weighted` service of such services (one backend
 *   each) → backendRefs with its weights.
 * Anything else is refused whole with a message naming the router and the construct
 * (`TraefikConfigError`): nothing of a refused configuration is built. Definitions no router uses
 * are not read, as Traefik would not route through them either.
 */
import type { KubeObject } from "../k8s/types.ts";
import { ipVersion } from "../net.ts";
import {
  type L4Backend,
  type L4Port,
  type L4Protocol,
  type L4RouteSpec,
  renderBackendService,
  sniHostnameProblem,
} from "./l4.ts";
import { md5Hex } from "./md5.ts";
import { truncate63 } from "./names.ts";

export interface TraefikInput {
  readonly gateway: string;
  /** The Gateway's model (namespace): servers must be in it. */
  readonly model: string;
  /** The requirer application. */
  readonly app: string;
  /** Its units in the relation (`app/n`). */
  readonly units: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly static: Readonly<Record<string, unknown>> | null;
  /** Traefik's `raw`: without it an HTTP router on `web` is served on `websecure` too. */
  readonly raw: boolean;
}

export interface HeaderChanges {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface HttpPath {
  readonly type: "PathPrefix" | "Exact";
  readonly value: string;
}

/** One HTTP router as HTTPRoutes need it. */
export interface HttpRouterPlan {
  readonly router: string;
  /** The HTTPRoutes' name without the `-http`/`-https` ending. */
  readonly name: string;
  /** Served on the HTTP (`web`) and/or HTTPS (`websecure`) listeners. */
  readonly http: boolean;
  readonly https: boolean;
  readonly hostnames: readonly string[];
  /** Empty: every path. */
  readonly paths: readonly HttpPath[];
  readonly stripPrefix: boolean;
  readonly redirect: {
    readonly scheme: "http" | "https";
    readonly statusCode: 301 | 302;
    readonly port?: number;
  } | null;
  readonly requestHeaders: HeaderChanges | null;
  readonly responseHeaders: HeaderChanges | null;
  readonly backends: readonly L4Backend[];
}

export interface TraefikPlan {
  readonly listeners: readonly L4Port[];
  readonly routes: readonly L4RouteSpec[];
  readonly http: readonly HttpRouterPlan[];
  readonly services: readonly KubeObject[];
}

/** A construct the Gateway API cannot express, or data that is not Traefik configuration. */
export class TraefikConfigError extends Error {
  override readonly name = "TraefikConfigError";
}

const fail = (message: string): never => {
  throw new TraefikConfigError(message);
};

type Mapping = Readonly<Record<string, unknown>>;

const isMapping = (value: unknown): value is Mapping =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const show = (value: unknown): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
};

function mapping(value: unknown, where: string): Mapping {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) fail(`${where} must be a mapping`);
  return value as Mapping;
}

/** Keys other than those allowed are named in the refusal. */
function onlyKeys(value: Mapping, allowed: readonly string[], where: string): void {
  const extra = Object.keys(value).find((key) => !allowed.includes(key));
  if (extra !== undefined) fail(`${where}: ${show(extra)} is not supported`);
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    fail(`${where} must be a list of strings`);
  }
  return value as string[];
}

// --- entryPoints ---------------------------------------------------------------------------------

interface EntryPoint {
  readonly port: number;
  readonly udp: boolean;
}

/** Traefik's own entryPoints, as the Gateway's HTTP and HTTPS listeners serve them. */
const BUILT_IN: Readonly<Record<string, EntryPoint>> = {
  web: { port: 80, udp: false },
  websecure: { port: 443, udp: false },
};

const ADDRESS = /^(?:|0\.0\.0\.0|\[::\])?:(\d{1,5})(?:\/(tcp|udp))?$/;

function readEntryPoints(staticConfig: Mapping | null): Map<string, EntryPoint> {
  const found = new Map(Object.entries(BUILT_IN));
  if (staticConfig === null) return found;
  onlyKeys(staticConfig, ["entryPoints"], "static");
  const declared = mapping(staticConfig.entryPoints, "static entryPoints");
  for (const [name, value] of Object.entries(declared)) {
    const where = `entryPoint ${show(name)}`;
    if (Object.hasOwn(BUILT_IN, name)) fail(`${where} is the Gateway's own: declare another name`);
    const entry = mapping(value, where);
    onlyKeys(entry, ["address"], where);
    const address = entry.address;
    if (address === undefined || address === null) {
      fail(`${where} has no address (":<port>" or ":<port>/udp")`);
    }
    const match = typeof address === "string" ? ADDRESS.exec(address.trim()) : null;
    const port = match ? Number(match[1]) : 0;
    if (match === null || port < 1 || port > 65535) {
      fail(`${where}: address ${show(address)} is not supported (only ":<port>" or ":<port>/udp")`);
    }
    found.set(name, { port, udp: match![2] === "udp" });
  }
  return found;
}

// --- rules ---------------------------------------------------------------------------------------

interface Matcher {
  readonly name: string;
  readonly args: readonly string[];
}

/** A rule of matchers joined by `&&` (the only operator the Gateway API can express). */
export function parseRule(rule: string, where: string): Matcher[] {
  const matchers: Matcher[] = [];
  let at = 0;
  const space = () => {
    while (at < rule.length && /\s/.test(rule[at])) at++;
  };
  const refuse = (why: string): never => fail(`${where}: rule ${show(rule)}: ${why}`);
  for (;;) {
    space();
    if (rule[at] === "!") refuse("negation (!) is not supported");
    if (rule[at] === "(") refuse("grouping with parentheses is not supported");
    const name = /^[A-Za-z]+/.exec(rule.slice(at))?.[0];
    if (name === undefined) refuse(`expected a matcher at character ${at + 1}`);
    at += name!.length;
    space();
    if (rule[at] !== "(") refuse(`expected "(" after ${name}`);
    at++;
    const args: string[] = [];
    for (;;) {
      space();
      const quote = rule[at];
      if (quote !== "`" && quote !== '"') refuse(`${name} takes quoted arguments`);
      const end = rule.indexOf(quote, at + 1);
      if (end < 0) refuse(`unterminated argument of ${name}`);
      args.push(rule.slice(at + 1, end));
      at = end + 1;
      space();
      if (rule[at] === ",") {
        at++;
        continue;
      }
      if (rule[at] === ")") {
        at++;
        break;
      }
      refuse(`expected "," or ")" in ${name}`);
    }
    matchers.push({ name: name!, args });
    space();
    if (at >= rule.length) return matchers;
    if (rule.startsWith("&&", at)) {
      at += 2;
      continue;
    }
    if (rule.startsWith("||", at)) refuse("alternatives (||) are not supported");
    refuse(`unexpected ${show(rule.slice(at, at + 10))}`);
  }
}

const REGEX_MATCHERS = [
  "HostRegexp",
  "PathRegexp",
  "HostSNIRegexp",
  "HeadersRegexp",
  "HeaderRegexp",
];

function unsupportedMatcher(matcher: Matcher, where: string): never {
  if (REGEX_MATCHERS.includes(matcher.name)) {
    fail(`${where}: regular-expression rules (${matcher.name}) are not supported`);
  }
  return fail(`${where}: the ${matcher.name} matcher is not supported`);
}

/** Where `HTTPRoute` paths may not go (the CRD's CEL rules for Exact and PathPrefix). */
export function httpPathProblem(path: string): string | null {
  if (!path.startsWith("/")) return "must start with /";
  if (path.length > 1024) return "is longer than 1024 characters";
  if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(path)) {
    return "has characters a Gateway API path may not have";
  }
  for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"]) {
    if (path.includes(bad)) return `may not contain ${bad}`;
  }
  if (path.endsWith("/..") || path.endsWith("/.")) return "may not end with /. or /..";
  return null;
}

const ALL_CLIENTS = ["0.0.0.0/0", "::/0"];

// --- servers -------------------------------------------------------------------------------------

/** A backend before it becomes a Service: all of the application's pods, or one. */
interface Target {
  readonly pod: string | null;
  readonly port: number;
}

/** The pod a server's host names (null: every pod of the application), or why it cannot. */
function serverTarget(input: TraefikInput, host: string): { pod: string | null } | null {
  const name = host.toLowerCase().replace(/\.$/, "");
  const app = input.app;
  // `<x>`, `<x>.<model>`, `<x>.<model>.svc`, `<x>.<model>.svc.<cluster domain>`.
  const within = (prefix: string) =>
    name === prefix || name === `${prefix}.${input.model}` ||
    (name.startsWith(`${prefix}.${input.model}.svc`) &&
      /^(\.[a-z0-9-]+)*$/.test(name.slice(`${prefix}.${input.model}.svc`.length)));
  if (within(app) || within(`${app}-endpoints`)) return { pod: null };
  const pod = new RegExp(`^(${escape(app)}-\\d+)\\.${escape(app)}-endpoints(\\..*)?$`).exec(name);
  // A pod name is a label value in the Service's selector: at most 63 characters.
  if (pod !== null && pod[1].length <= 63 && within(`${pod[1]}.${app}-endpoints`)) {
    return { pod: pod[1] };
  }
  return null;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function splitHostPort(text: string, where: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : 0;
  if (match === null || port < 1 || port > 65535) fail(`${where} must be "<host>:<port>"`);
  return { host: match![1], port };
}

// --- the translation -----------------------------------------------------------------------------

/** A DNS-label form of a Traefik name; names that had to change get a digest, to stay apart. */
function label(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return cleaned === name && cleaned !== ""
    ? cleaned
    : `${cleaned}${cleaned ? "-" : ""}${md5Hex(name).slice(0, 8)}`;
}

/** A name of at most `max` characters: longer ones keep their start and a digest of the whole. */
function shortened(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9).replace(/-+$/, "")}-${md5Hex(name).slice(0, 8)}`;
}

/** A reference to a definition of the config's own (`name` or `name@file`). */
function reference(name: string, where: string): string {
  const at = name.indexOf("@");
  if (at < 0) return name;
  if (name.slice(at + 1) !== "file") {
    fail(`${where}: ${show(name)} names another provider's definition`);
  }
  return name.slice(0, at);
}

class Translation {
  readonly services = new Map<string, KubeObject>();
  readonly pods: ReadonlySet<string>;
  constructor(readonly input: TraefikInput) {
    this.pods = new Set(input.units.map((unit) => unit.replace("/", "-")));
  }

  /** The backends of a service definition, with their Services. */
  backends(
    section: "http" | "tcp" | "udp",
    serviceName: string,
    where: string,
    nested = false,
  ): L4Backend[] {
    const services = mapping(mapping(this.input.config[section], section).services, section);
    const name = reference(serviceName, where);
    const here = `${where}: service ${show(name)}`;
    if (!Object.hasOwn(services, name)) fail(`${here} is not defined`);
    const service = mapping(services[name], here);
    const kind = Object.keys(service);
    if (kind.length === 1 && kind[0] === "weighted" && !nested) {
      return this.weighted(section, service.weighted, here, where);
    }
    if (kind.length !== 1 || kind[0] !== "loadBalancer") {
      const other = kind.find((key) => key !== "loadBalancer") ?? "nothing";
      const what = other === "weighted" ? "nested weighted" : show(other);
      fail(`${here}: ${what} services are not supported (only loadBalancer and weighted)`);
    }
    const balancer = mapping(service.loadBalancer, `${here} loadBalancer`);
    const options = section === "http" ? ["servers", "passHostHeader"] : ["servers"];
    onlyKeys(balancer, options, `${here} loadBalancer`);
    if (balancer.passHostHeader === false) {
      fail(`${here}: passHostHeader: false is not supported`);
    }
    const servers = balancer.servers;
    if (!Array.isArray(servers) || servers.length === 0) fail(`${here} has no servers`);
    const targets: Target[] = [];
    for (const [index, raw] of (servers as unknown[]).entries()) {
      const at = `${here} server ${index + 1}`;
      const server = mapping(raw, at);
      let host: string;
      let port: number;
      if (section === "http") {
        onlyKeys(server, ["url"], at);
        const url = typeof server.url === "string" ? server.url : fail(`${at}: url is missing`);
        const match = /^(https?):\/\/(\[[^\]]+\]|[^:/?#]+)(?::(\d{1,5}))?\/?$/.exec(url);
        if (match === null) fail(`${at}: url ${show(url)} is not supported (http://<host>:<port>)`);
        if (match![1] === "https") {
          fail(`${at}: url ${show(url)}: TLS to the backend (https) is not supported`);
        }
        host = match![2];
        port = match![3] === undefined ? 80 : Number(match![3]);
        if (port < 1 || port > 65535) fail(`${at}: url ${show(url)} has no valid port`);
      } else {
        onlyKeys(server, ["address"], at);
        const address = typeof server.address === "string"
          ? server.address
          : fail(`${at}: address is missing`);
        ({ host, port } = splitHostPort(address, `${at}: address ${show(address)}`));
      }
      const target = ipVersion(host.replace(/^\[|\]$/g, "")) !== 0
        ? null
        : serverTarget(this.input, host);
      if (target === null) {
        fail(
          `${where}: server ${show(host)} is not a unit of ${this.input.app} in model ` +
            `${this.input.model} (<unit>.${this.input.app}-endpoints.${this.input.model}` +
            `.svc.cluster.local)`,
        );
      }
      targets.push({ pod: target!.pod, port });
    }
    return this.serviceBackends(targets, section === "udp");
  }

  /** A weighted service: each of its services (one backend each) a backendRef of that weight. */
  weighted(
    section: "http" | "tcp" | "udp",
    value: unknown,
    here: string,
    where: string,
  ): L4Backend[] {
    const weighted = mapping(value, `${here} weighted`);
    onlyKeys(weighted, ["services"], `${here} weighted`);
    const children = weighted.services;
    if (!Array.isArray(children) || children.length === 0) {
      fail(`${here}: weighted has no services`);
    }
    const weights = new Map<string, L4Backend>();
    for (const [index, raw] of (children as unknown[]).entries()) {
      const at = `${here} weighted service ${index + 1}`;
      const child = mapping(raw, at);
      onlyKeys(child, ["name", "weight"], at);
      if (typeof child.name !== "string") fail(`${at} has no name`);
      const weight = child.weight === undefined ? 1 : child.weight;
      if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 0 || weight > 1e6) {
        fail(`${at}: weight ${show(weight)} is not a whole number from 0 to 1000000`);
      }
      const backends = this.backends(section, child.name as string, where, true);
      if (backends.length !== 1) {
        fail(
          `${at}: service ${show(child.name)} has ${backends.length} backends ` +
            `(a weighted service's services must have one each)`,
        );
      }
      const key = `${backends[0].service}:${backends[0].port}`;
      const before = weights.get(key)?.weight ?? 0;
      weights.set(key, { ...backends[0], weight: Math.min(before + (weight as number), 1e6) });
    }
    return [...weights.values()];
  }

  /** One Service per port for all pods (named all, or every unit in the relation), else one
   * per pod. */
  serviceBackends(targets: readonly Target[], udp: boolean): L4Backend[] {
    const byPort = new Map<number, Set<string | null>>();
    for (const target of targets) {
      const pods = byPort.get(target.port) ?? new Set();
      pods.add(target.pod);
      byPort.set(target.port, pods);
    }
    const backends: L4Backend[] = [];
    const { gateway, app } = this.input;
    const ending = udp ? "-udp" : "";
    for (const [port, pods] of byPort) {
      const named = [...pods].filter((pod) => pod !== null) as string[];
      const every = pods.has(null) ||
        (this.pods.size > 0 && named.length === this.pods.size &&
          named.every((pod) => this.pods.has(pod)));
      const wanted = every
        ? [{
          name: truncate63(`${gateway}-${app}-tr-${port}${ending}`),
          selector: { "app.kubernetes.io/name": app },
        }]
        : named.sort().map((pod) => ({
          name: truncate63(`${gateway}-${pod}-trp-${port}${ending}`),
          selector: { "statefulset.kubernetes.io/pod-name": pod },
        }));
      for (const { name, selector } of wanted) {
        this.services.set(
          name,
          renderBackendService(name, selector, [{
            port,
            targetPort: port,
            protocol: udp ? "UDP" : "TCP",
          }]),
        );
        backends.push({ service: name, port });
      }
    }
    if (backends.length > 16) fail(`its servers need ${backends.length} backends (16 at most)`);
    return backends;
  }
}

function entryPointsOf(
  router: Mapping,
  where: string,
  known: ReadonlyMap<string, EntryPoint>,
): { name: string; entry: EntryPoint }[] {
  const names = stringList(router.entryPoints, `${where} entryPoints`);
  return names.map((name) => {
    const entry = known.get(name);
    if (entry === undefined) fail(`${where}: entryPoint ${show(name)} is not declared in static`);
    return { name, entry: entry! };
  });
}

function routers(config: Mapping, section: string): [string, Mapping][] {
  const routers = mapping(mapping(config[section], section).routers, `${section} routers`);
  return Object.entries(routers).map(([name, value]) => [
    name,
    mapping(value, `${section} router ${show(name)}`),
  ]);
}

/** TCP and UDP routers: L4 listeners and routes. */
function translateL4(
  translation: Translation,
  known: ReadonlyMap<string, EntryPoint>,
): { listeners: L4Port[]; routes: L4RouteSpec[] } {
  const { input } = translation;
  const listeners = new Map<string, L4Port & { by: string }>();
  const routes: L4RouteSpec[] = [];
  const claim = (port: L4Port, router: string, where: string, exclusive: boolean) => {
    const key = `${port.port}/${port.protocol === "UDP" ? "udp" : "tcp"}`;
    const held = listeners.get(key);
    if (held !== undefined && (exclusive || held.protocol !== port.protocol)) {
      fail(
        `${where}: entryPoint port ${key} is already served by router ${show(held.by)}` +
          (held.protocol !== port.protocol ? ` (${held.protocol} and ${port.protocol})` : ""),
      );
    }
    if (held === undefined) listeners.set(key, { ...port, by: router });
  };
  for (const section of ["tcp", "udp"] as const) {
    for (const [name, router] of routers(input.config, section)) {
      const where = `${section} router ${show(name)}`;
      const allowed = section === "tcp"
        ? ["rule", "entryPoints", "service", "tls", "priority", "ruleSyntax"]
        : ["entryPoints", "service"];
      onlyKeys(router, allowed, where);
      if (router.middlewares !== undefined) fail(`${where}: middlewares are not supported`);
      const entryPoints = entryPointsOf(router, where, known);
      if (entryPoints.length === 0) fail(`${where} names no entryPoints`);
      if (typeof router.service !== "string") fail(`${where} names no service`);
      let protocol: L4Protocol = section === "udp" ? "UDP" : "TCP";
      let hostnames: string[] | undefined;
      if (section === "tcp") {
        const tls = router.tls === undefined ? null : mapping(router.tls, `${where} tls`);
        if (tls !== null) onlyKeys(tls, ["passthrough"], `${where} tls`);
        const passthrough = tls?.passthrough === true;
        if (typeof router.rule !== "string") fail(`${where} has no rule`);
        let everything = false;
        const sni: string[] = [];
        for (const matcher of parseRule(router.rule as string, where)) {
          if (matcher.name === "HostSNI") {
            if (matcher.args.includes("*")) everything = true;
            else sni.push(...matcher.args.map((host) => host.toLowerCase()));
          } else if (matcher.name === "ClientIP") {
            const some = matcher.args.find((range) => !ALL_CLIENTS.includes(range));
            if (some !== undefined) {
              fail(`${where}: ClientIP(\`${some}\`) restricts clients, which is not supported`);
            }
            everything = true;
          } else unsupportedMatcher(matcher, where);
        }
        if (sni.length > 0) {
          if (!passthrough) {
            fail(`${where}: HostSNI with TLS termination is not supported (only tls.passthrough)`);
          }
          for (const host of sni) {
            const problem = sniHostnameProblem(host);
            if (problem !== null) fail(`${where}: HostSNI ${show(host)} ${problem}`);
          }
          protocol = "TLS";
          hostnames = [...new Set(sni)];
        } else if (!everything) fail(`${where}: rule ${show(router.rule)} matches nothing`);
        else if (tls !== null && !passthrough) {
          fail(`${where}: TLS termination is not supported (only tls.passthrough)`);
        }
      }
      const backends = translation.backends(section, router.service as string, where);
      for (const { name: entryName, entry } of entryPoints) {
        if (entry.udp !== (section === "udp")) {
          fail(`${where}: entryPoint ${show(entryName)} is ${entry.udp ? "UDP" : "TCP"}`);
        }
        const port = { protocol, port: entry.port };
        claim(port, name, where, protocol !== "TLS");
        routes.push({
          name: truncate63(`${input.gateway}-${input.app}-${label(name)}-${entry.port}`),
          listener: port,
          ...(hostnames ? { hostnames } : {}),
          backends,
        });
      }
    }
  }
  return {
    listeners: [...listeners.values()].map(({ protocol, port }) => ({ protocol, port })),
    routes,
  };
}

interface Middlewares {
  stripPrefix: string[] | null;
  redirect: HttpRouterPlan["redirect"];
  request: Map<string, string>;
  response: Map<string, string>;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$/;

function headerMap(value: unknown, where: string, into: Map<string, string>): void {
  for (const [name, raw] of Object.entries(mapping(value, where))) {
    if (!HEADER_NAME.test(name)) fail(`${where}: ${show(name)} is not a header name`);
    if (typeof raw !== "string" || raw.length > 4096) {
      fail(`${where}: the value of ${show(name)} must be a string of at most 4096 characters`);
    }
    for (const key of into.keys()) if (key.toLowerCase() === name.toLowerCase()) into.delete(key);
    into.set(name, raw as string);
  }
  if (into.size > 16) fail(`${where}: more than 16 headers`);
}

function readMiddlewares(config: Mapping, names: readonly string[], where: string): Middlewares {
  const defined = mapping(mapping(config.http, "http").middlewares, "http middlewares");
  const found: Middlewares = {
    stripPrefix: null,
    redirect: null,
    request: new Map(),
    response: new Map(),
  };
  for (const raw of names) {
    const name = reference(raw, where);
    const here = `${where}: middleware ${show(name)}`;
    if (!Object.hasOwn(defined, name)) fail(`${here} is not defined`);
    const middleware = mapping(defined[name], here);
    const [type, ...more] = Object.keys(middleware);
    if (type === undefined || more.length > 0) fail(`${here} must have one type`);
    const options = mapping(middleware[type], `${here} ${type}`);
    switch (type) {
      case "stripPrefix": {
        // `forceSlash` (Traefik v2, grafana-k8s sends false) only decides whether stripping the
        // whole path leaves "" or "/": an HTTP request always has a path, so both are "/" here.
        onlyKeys(options, ["prefixes", "forceSlash"], `${here} stripPrefix`);
        if (options.forceSlash !== undefined && typeof options.forceSlash !== "boolean") {
          fail(`${here} stripPrefix forceSlash must be true or false`);
        }
        if (found.stripPrefix !== null) fail(`${where}: more than one stripPrefix`);
        found.stripPrefix = stringList(options.prefixes, `${here} stripPrefix prefixes`);
        break;
      }
      case "redirectScheme": {
        onlyKeys(options, ["scheme", "permanent", "port"], `${here} redirectScheme`);
        if (found.redirect !== null) fail(`${where}: more than one redirectScheme`);
        const scheme = options.scheme;
        if (scheme !== "http" && scheme !== "https") {
          fail(`${here}: redirectScheme scheme ${show(scheme)} is not http or https`);
        }
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
          fail(`${here}: redirectScheme port ${show(options.port)} is not a port`);
        }
        found.redirect = {
          scheme: scheme as "http" | "https",
          statusCode: options.permanent === true ? 301 : 302,
          ...(port === undefined ? {} : { port }),
        };
        break;
      }
      case "headers":
        onlyKeys(options, ["customRequestHeaders", "customResponseHeaders"], `${here} headers`);
        headerMap(options.customRequestHeaders, `${here} customRequestHeaders`, found.request);
        headerMap(options.customResponseHeaders, `${here} customResponseHeaders`, found.response);
        break;
      default:
        fail(`${here}: ${show(type)} middlewares are not supported`);
    }
  }
  return found;
}

function headerChanges(headers: ReadonlyMap<string, string>): HeaderChanges | null {
  if (headers.size === 0) return null;
  const entries = [...headers];
  return {
    set: entries.filter(([, value]) => value !== "").map(([name, value]) => ({ name, value })),
    remove: entries.filter(([, value]) => value === "").map(([name]) => name),
  };
}

function translateHttp(
  translation: Translation,
  known: ReadonlyMap<string, EntryPoint>,
): HttpRouterPlan[] {
  const { input } = translation;
  const plans: HttpRouterPlan[] = [];
  for (const [name, router] of routers(input.config, "http")) {
    const where = `http router ${show(name)}`;
    onlyKeys(
      router,
      ["rule", "entryPoints", "service", "middlewares", "tls", "priority", "ruleSyntax"],
      where,
    );
    if (typeof router.rule !== "string") fail(`${where} has no rule`);
    if (typeof router.service !== "string") fail(`${where} names no service`);
    if (router.tls !== undefined) {
      onlyKeys(mapping(router.tls, `${where} tls`), ["domains", "certResolver"], `${where} tls`);
    }
    let web = false;
    let websecure = false;
    const entryPoints = entryPointsOf(router, where, known);
    for (const { name: entryName } of entryPoints) {
      if (entryName === "web") web = true;
      else if (entryName === "websecure") websecure = true;
      else {
        fail(`${where}: entryPoint ${show(entryName)}: HTTP is served on web and websecure only`);
      }
    }
    // No entryPoints: Traefik serves the router on all of them.
    if (entryPoints.length === 0) web = websecure = true;
    if (router.tls !== undefined) [web, websecure] = [false, true];
    if (web && !input.raw) websecure = true;
    const hostnames: string[] = [];
    const paths: HttpPath[] = [];
    let hosts = 0;
    for (const matcher of parseRule(router.rule as string, where)) {
      if (matcher.name === "Host") {
        if (++hosts > 1) fail(`${where}: more than one Host matcher`);
        for (const host of matcher.args) {
          const lower = host.toLowerCase();
          const problem = sniHostnameProblem(lower);
          if (problem !== null) fail(`${where}: Host ${show(host)} ${problem}`);
          if (!hostnames.includes(lower)) hostnames.push(lower);
        }
      } else if (matcher.name === "PathPrefix" || matcher.name === "Path") {
        if (paths.length > 0) fail(`${where}: more than one path matcher`);
        for (const path of matcher.args) {
          const problem = httpPathProblem(path);
          if (problem !== null) fail(`${where}: ${matcher.name} ${show(path)} ${problem}`);
          paths.push({ type: matcher.name === "Path" ? "Exact" : "PathPrefix", value: path });
        }
      } else unsupportedMatcher(matcher, where);
    }
    if (hostnames.length > 16) fail(`${where}: more than 16 hostnames`);
    const middlewares = readMiddlewares(
      input.config,
      stringList(router.middlewares, `${where} middlewares`),
      where,
    );
    let stripPrefix = false;
    if (middlewares.stripPrefix !== null) {
      const trim = (path: string) => path.length > 1 ? path.replace(/\/+$/, "") : path;
      const only = paths.length === 1 && paths[0].type === "PathPrefix" ? paths[0].value : null;
      const stripped = middlewares.stripPrefix.map(trim);
      if (only === null || stripped.length !== 1 || stripped[0] !== trim(only)) {
        fail(
          `${where}: stripPrefix ${show(middlewares.stripPrefix.join(","))} must strip the ` +
            `rule's one PathPrefix`,
        );
      }
      stripPrefix = true;
    }
    if (middlewares.redirect !== null && stripPrefix) {
      fail(`${where}: redirectScheme and stripPrefix on one router are not supported`);
    }
    plans.push({
      router: name,
      // Room for the `-https` ending.
      name: shortened(`${input.gateway}-${input.app}-tr-${label(name)}`, 63 - "-https".length),
      http: web,
      https: websecure,
      hostnames,
      paths,
      stripPrefix,
      redirect: middlewares.redirect,
      requestHeaders: headerChanges(middlewares.request),
      responseHeaders: headerChanges(middlewares.response),
      backends: translation.backends("http", router.service as string, where),
    });
  }
  return plans;
}

/** The whole translation of one requirer's configuration; throws `TraefikConfigError`. */
export function translateTraefik(input: TraefikInput): TraefikPlan {
  // It is the Services' selector label value.
  if (input.app.length > 63) fail("the application name is longer than 63 characters");
  onlyKeys(input.config, ["http", "tcp", "udp"], "config");
  for (const section of ["http", "tcp", "udp"]) {
    const allowed = section === "http"
      ? ["routers", "services", "middlewares"]
      : ["routers", "services"];
    onlyKeys(mapping(input.config[section], section), allowed, section);
  }
  const known = readEntryPoints(input.static);
  const translation = new Translation(input);
  const l4 = translateL4(translation, known);
  const http = translateHttp(translation, known);
  const names = new Set<string>();
  for (const name of [...l4.routes.map((route) => route.name), ...http.map((plan) => plan.name)]) {
    if (names.has(name)) fail(`two routers would have the same object name ${name}`);
    names.add(name);
  }
  return { ...l4, http, services: [...translation.services.values()] };
}

export interface HttpListeners {
  readonly gateway: string;
  readonly namespace: string;
  /** The Gateway's HTTP listener names (none while HTTPS is enforced: HTTP only redirects). */
  readonly http: readonly string[];
  readonly https: readonly string[];
}

/** A router's HTTPRoutes: one on the HTTP listeners and one on the HTTPS listeners, each where
 * the router is served and the Gateway has such listeners. */
export function renderTraefikHttpRoutes(
  plan: HttpRouterPlan,
  listeners: HttpListeners,
): KubeObject[] {
  const routes: KubeObject[] = [];
  for (const scheme of ["http", "https"] as const) {
    const sections = scheme === "http" ? listeners.http : listeners.https;
    if (!(scheme === "http" ? plan.http : plan.https) || sections.length === 0) continue;
    const filters: unknown[] = [];
    const redirect = plan.redirect !== null && plan.redirect.scheme !== scheme;
    if (redirect) {
      filters.push({ type: "RequestRedirect", requestRedirect: { ...plan.redirect } });
    } else {
      if (plan.stripPrefix) {
        filters.push({
          type: "URLRewrite",
          urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } },
        });
      }
      if (plan.requestHeaders) {
        filters.push({
          type: "RequestHeaderModifier",
          requestHeaderModifier: modifier(plan.requestHeaders),
        });
      }
      if (plan.responseHeaders) {
        filters.push({
          type: "ResponseHeaderModifier",
          responseHeaderModifier: modifier(plan.responseHeaders),
        });
      }
    }
    const paths = plan.paths.length === 0 ? [{ type: "PathPrefix", value: "/" }] : plan.paths;
    routes.push({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: `${plan.name}-${scheme}` },
      spec: {
        parentRefs: sections.map((sectionName) => ({
          name: listeners.gateway,
          namespace: listeners.namespace,
          sectionName,
        })),
        hostnames: [...plan.hostnames],
        rules: [{
          matches: paths.map((path) => ({ path: { type: path.type, value: path.value } })),
          filters,
          ...(redirect ? {} : {
            backendRefs: plan.backends.map((backend) => ({
              name: backend.service,
              port: backend.port,
              ...(backend.weight === undefined ? {} : { weight: backend.weight }),
            })),
          }),
        }],
      },
    });
  }
  return routes;
}

function modifier(changes: HeaderChanges): Record<string, unknown> {
  return {
    ...(changes.set.length ? { set: changes.set.map((entry) => ({ ...entry })) } : {}),
    ...(changes.remove.length ? { remove: [...changes.remove] } : {}),
  };
}
