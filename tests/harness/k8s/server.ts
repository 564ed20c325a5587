/**
 * The fake Kubernetes API server on 127.0.0.1, over plain HTTP or (option `tls`) HTTPS with its
 * own CA (with option `http2`, behind a front that offers HTTP/2 by ALPN as kube-apiserver does:
 * `h2_front.mjs`), as a real API server: bearer-token or client-certificate authentication,
 * legacy discovery (/api, /apis, group and group-version resource lists), resource endpoints
 * served by the Store, RBAC-like denials, fault injection (error statuses, requests that are
 * never answered until the client gives up or the server closes, connections closed without an
 * answer), faults at a seeded random rate, and a request log.
 *
 * It uses node:http and node:https rather than Deno.serve because a hung request must be
 * droppable at the socket level on close() (a real server vanishing), which Deno.serve cannot
 * do, and because Deno.serve cannot ask for a client certificate. Deno's node:tls hands over the
 * client's certificate but does not verify it (`authorized` stays false, with
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE, even for a certificate the CA did issue), so the server checks
 * the certificate's signature against its CA itself.
 */

import http from "node:http";
import https from "node:https";
import { verifyIssuedBy } from "../../../src/tls/certificate.ts";
import { createCsr } from "../../../src/tls/csr.ts";
import { generatePrivateKey } from "../../../src/tls/keys.ts";
import { derToPem } from "../../../src/tls/pem.ts";
import { createTestCa } from "../tls_ca.ts";
import type { AddressInfo, Socket } from "node:net";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import {
  ApiError,
  forbiddenStatus,
  isObject,
  type JsonObject,
  pageNotFound,
  type StatusBody,
  statusFor,
  unauthorized,
} from "./errors.ts";
import { loadRegistry, type Registry, type ResourceType } from "./registry.ts";
import { type Reply, type ResourceRequest, Store } from "./store.ts";

/** An object as stored and served (apiVersion, kind, metadata, ...). */
export type KubeObject = JsonObject;

/** One logged request. */
export interface RequestRecord {
  method: string;
  /** URL path, e.g. `/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways/gw`. */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  contentType?: string;
  /** The request body, parsed as JSON or YAML when possible, else the raw text. */
  body?: unknown;
  /** Response status; 0 while a request is held by a `timeout` fault. */
  status: number;
  /** A discovery request (/api, /apis, /version, ...). */
  discovery: boolean;
  /** For resource requests: the RBAC verb, e.g. `get`, `list`, `create`, `patch`. */
  verb?: string;
  /** For resource requests: the plural resource, e.g. `gateways`. */
  resource?: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  fieldManager?: string;
  userAgent?: string;
  /** The request matched a `timeout` fault and was never answered. */
  hung?: boolean;
  /** The request matched a `reset` fault: its connection was closed without an answer. */
  reset?: boolean;
  /** What an injected fault did to the request: its status, `timeout` or `reset`. */
  fault?: string;
  /** How the client authenticated, when it did. */
  authenticatedBy?: "token" | "client-certificate";
  /** The common name of the client certificate presented and verified, if any. */
  clientCertificate?: string;
  /** The HTTP version the request came in: `1.1`, or `2.0` (option `http2`). */
  httpVersion: string;
}

/** An RBAC-like denial: requests matching every given field get 403 Forbidden. */
export interface DenyRule {
  verb?: string | string[];
  /** Plural resource, or `plural/subresource` (e.g. `gateways/status`). */
  resource?: string;
  /** API group ("" for core). */
  group?: string;
  namespace?: string;
  name?: string;
}

/** A fault: matching requests get `status` (with a Status body) or, with `timeout`, no answer. */
export interface FaultRule {
  method?: string;
  pathIncludes?: string;
  verb?: string;
  resource?: string;
  /** HTTP status to answer with (default 500). */
  status?: number;
  reason?: string;
  message?: string;
  /** How many matching requests to affect (default: all until cleared). */
  times?: number;
  /** Hold the request unanswered until the client aborts or the server closes. */
  timeout?: boolean;
  /** Adds a Retry-After header (429/503). */
  retryAfterSeconds?: number;
  /** Close the connection without answering, as a server or proxy that drops it. */
  reset?: boolean;
}

/**
 * Faults at random: each resource request, with probability `rate`, gets one of the `faults`
 * that match it, picked uniformly; the draws come from a PRNG seeded with `seed`, so a run with
 * the same seed and the same requests in the same order injects the same faults.
 */
export interface RandomFaults {
  /** Probability (0–1) that a resource request gets a fault. */
  rate: number;
  seed: number;
  /** The candidates (their `times` is ignored); a request no candidate matches is served. */
  faults: FaultRule[];
}

/** Options for {@link startFakeApiServer}. */
export interface FakeApiServerOptions {
  /** Directory with the Gateway API CRD YAML files (default: shared reference data). */
  crdsDir?: string;
  /** Serve the Gateway API group at all (false simulates a cluster without the CRDs). */
  gatewayApi?: boolean;
  /**
   * Namespaces to create at start, besides default, kube-system, kube-public and
   * kube-node-lease. Writes to a namespace that does not exist get 404, as on a real cluster.
   */
  namespaces?: string[];
  /** The bearer token clients must send (default `fake-token`). */
  token?: string;
  /** The user name shown in Forbidden messages. */
  user?: string;
  /** Serve HTTPS with a new CA (and accept client certificates it issued), as a real server. */
  tls?: boolean;
  /**
   * With `tls`: offer HTTP/2 by ALPN, HTTP/1.1 to clients that do not take it, as kube-apiserver
   * does (Go's HTTPS server), so the charm speaks HTTP/2 as in a pod. A front run by Node.js
   * (`h2_front.mjs`, needs `node` on the PATH) does it; `url` is then the front's.
   */
  http2?: boolean;
}

/** How a kubeconfig written by the fake authenticates. */
export interface KubeconfigOptions {
  /** `token` (default), `token-file` (needs `tokenFile`), or `client-certificate` (HTTPS only). */
  auth?: "token" | "token-file" | "client-certificate";
  /** For `token-file`: where the token is (the kubeconfig names it; the test writes it). */
  tokenFile?: string;
  /** `yaml` (default, as kubectl writes it) or `json` (also a valid kubeconfig). */
  format?: "yaml" | "json";
}

/** The server's TLS material (HTTPS only). */
export interface FakeApiServerTls {
  /** The CA that issued the server's certificate and the client certificates it accepts. */
  readonly caPem: string;
  /** A client certificate for the server's user, and its key (PKCS#1). */
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** Issues another client certificate (common name = user name) with its key. */
  issueClientCertificate(commonName: string): Promise<{ certPem: string; keyPem: string }>;
}

/** A running fake API server. */
export interface FakeApiServer {
  /** `http://127.0.0.1:<port>`, or `https://…` with `tls`. */
  readonly url: string;
  /** The bearer token accepted now (see `rotateToken`). */
  readonly token: string;
  /** TLS material, with `tls`. */
  readonly tls: FakeApiServerTls | undefined;
  /** Accepts only `token` from now on, as when a projected service-account token rotates. */
  rotateToken(token: string): void;
  /** Every request so far, in arrival order (including discovery). */
  readonly requests: RequestRecord[];
  /** The registry (resource types, and offline validation through `registry.validate`). */
  readonly registry: Registry;
  /**
   * A kubeconfig (YAML) for this server with the given namespace: over HTTPS it trusts the
   * server's CA; over HTTP it says to skip TLS verification (as client-node requires).
   */
  kubeconfig(namespace?: string, options?: KubeconfigOptions): string;
  writeKubeconfig(path: string, namespace?: string, options?: KubeconfigOptions): Promise<void>;
  /** Clears the request log. */
  resetLog(): void;
  /** Resource requests only (discovery excluded), optionally filtered. */
  resourceRequests(
    filter?: Partial<Pick<RequestRecord, "method" | "verb" | "resource">>,
  ): RequestRecord[];
  /** Resolves with the next request matching `predicate` (including one already held). */
  waitForRequest(predicate?: (r: RequestRecord) => boolean): Promise<RequestRecord>;
  /** Stored objects (copies), optionally filtered by kind and namespace. */
  objects(kind?: string, namespace?: string): KubeObject[];
  /** One stored object (copy) or undefined. */
  get(kind: string, namespace: string, name: string): KubeObject | undefined;
  /** Stores an object directly (defaults applied, no validation, no RBAC/faults). */
  seed(obj: KubeObject): KubeObject;
  /** Creates a namespace (no-op if it exists). */
  addNamespace(name: string): void;
  /** Sets an object's status directly, as a controller would (bumps resourceVersion). */
  setStatus(kind: string, namespace: string, name: string, status: unknown): KubeObject;
  /** Removes an object directly. */
  remove(kind: string, namespace: string, name: string): boolean;
  deny(rule: DenyRule): void;
  fault(rule: FaultRule): void;
  /** Injects faults at random from now on (replacing earlier random faults). */
  faultRandomly(spec: RandomFaults): void;
  /** Removes all deny and fault rules, random faults included. */
  clearRules(): void;
  /** Stops listening and drops every connection, including held ones. */
  close(): Promise<void>;
}

const DISCOVERY_VERSION = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.0",
  gitCommit: "fake",
  gitTreeState: "clean",
  buildDate: "2024-08-13T00:00:00Z",
  goVersion: "go1.22.5",
  compiler: "gc",
  platform: "linux/amd64",
};

const SYSTEM_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

const VERB_FOR_METHOD: Record<string, string> = {
  POST: "create",
  PUT: "update",
  PATCH: "patch",
};

interface TextOrJson {
  status: number;
  body: unknown;
  text?: boolean;
}

const NOT_FOUND_PAGE: TextOrJson = { status: 404, body: "404 page not found", text: true };

function ok(body: unknown): TextOrJson {
  return { status: 200, body };
}

interface Parsed {
  discovery?: TextOrJson;
  resource?: Omit<ResourceRequest, "query" | "contentType" | "body" | "userAgent">;
}

function toRecordQuery(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of q) out[k] = v;
  return out;
}

function parseBodyForLog(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    try {
      return parseYaml(text);
    } catch {
      return text;
    }
  }
}

function resourceEntries(rts: ResourceType[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const r of rts) {
    const e: JsonObject = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length) e.shortNames = r.shortNames;
    if (r.categories.length) e.categories = r.categories;
    out.push(e);
    if (r.statusSubresource) {
      out.push({
        name: `${r.plural}/status`,
        singularName: "",
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ["get", "patch", "update"],
      });
    }
  }
  return out;
}

class Server implements FakeApiServer {
  readonly requests: RequestRecord[] = [];
  url = "";
  token: string;
  private denies: DenyRule[] = [];
  private faults: FaultRule[] = [];
  private random: { spec: RandomFaults; next: () => number } | undefined;
  private waiters: { pred: (r: RequestRecord) => boolean; resolve: (r: RequestRecord) => void }[] =
    [];
  private sockets = new Set<Socket>();
  private http: http.Server | https.Server;
  /** The HTTP/2 front (option `http2`). */
  private front: { process: Deno.ChildProcess; output: ReadableStreamDefaultReader } | undefined;
  private store: Store;
  private user: string;
  /** Per TLS connection: the verified client certificate's common name, or null. */
  private peers = new WeakMap<Socket, Promise<string | null>>();

  constructor(
    readonly registry: Registry,
    private readonly opts: FakeApiServerOptions,
    readonly tls: (FakeApiServerTls & { serverCertPem: string; serverKeyPem: string }) | undefined,
  ) {
    this.store = new Store(registry);
    this.token = opts.token ?? "fake-token";
    this.user = opts.user ?? "system:serviceaccount:default:fake-client";
    // The namespaces every cluster has, plus the ones the test asks for.
    for (const ns of [...SYSTEM_NAMESPACES, ...(opts.namespaces ?? [])]) this.addNamespace(ns);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) =>
      this.onRequest(req, res);
    this.http = tls
      ? https.createServer({
        key: tls.serverKeyPem,
        cert: tls.serverCertPem,
        ca: tls.caPem,
        // Ask for a client certificate, but let token clients in without one.
        requestCert: true,
        rejectUnauthorized: false,
      }, handler)
      : http.createServer(handler);
    this.http.on(tls ? "secureConnection" : "connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    const addr = this.http.address() as AddressInfo;
    this.url = `${this.tls ? "https" : "http"}://127.0.0.1:${addr.port}`;
    if (this.tls && this.opts.http2) this.url = await this.startFront(this.tls, this.url);
  }

  /** Starts the HTTP/2 front before `upstream` (this server); its URL. */
  private async startFront(
    tls: FakeApiServerTls & { serverCertPem: string; serverKeyPem: string },
    upstream: string,
  ): Promise<string> {
    const dir = await Deno.makeTempDir({ prefix: "fake-apiserver-front-" });
    const files = {
      cert: tls.serverCertPem,
      key: tls.serverKeyPem,
      ca: tls.caPem,
      clientCert: tls.clientCertPem,
      clientKey: tls.clientKeyPem,
    };
    for (const [name, pem] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}.pem`, pem);
    }
    const script = new URL("./h2_front.mjs", import.meta.url).pathname;
    let front: Deno.ChildProcess;
    try {
      front = new Deno.Command("node", {
        args: [script, ...Object.keys(files).map((name) => `${dir}/${name}.pem`), upstream],
        stdin: "null",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new Error("the fake API server's HTTP/2 front needs Node.js: no `node` on the PATH");
    }
    // Its first line is the port it listens on (it has read its files by then).
    const reader = front.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.front = { process: front, output: reader };
    let text = "";
    try {
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the HTTP/2 front (node h2_front.mjs) exited before listening");
        text += value;
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    return `https://127.0.0.1:${Number(text.trim())}`;
  }

  rotateToken(token: string): void {
    this.token = token;
  }

  kubeconfig(namespace = "default", options: KubeconfigOptions = {}): string {
    const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
    const cluster = this.tls
      ? { server: this.url, "certificate-authority-data": base64(this.tls.caPem) }
      : { server: this.url, "insecure-skip-tls-verify": true };
    let user: Record<string, string>;
    switch (options.auth ?? "token") {
      case "token":
        user = { token: this.token };
        break;
      case "token-file":
        if (!options.tokenFile) throw new Error("a token-file kubeconfig needs tokenFile");
        // client-go (kubectl) reads `tokenFile`, client-node reads `token-file`.
        user = { tokenFile: options.tokenFile, "token-file": options.tokenFile };
        break;
      case "client-certificate":
        if (!this.tls) throw new Error("client certificates need a server started with tls");
        user = {
          "client-certificate-data": base64(this.tls.clientCertPem),
          "client-key-data": base64(this.tls.clientKeyPem),
        };
        break;
    }
    return (options.format === "json" ? JSON.stringify : stringifyYaml)({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake", cluster }],
      users: [{ name: "fake", user }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "fake", namespace } }],
      "current-context": "fake",
      preferences: {},
    });
  }

  async writeKubeconfig(
    path: string,
    namespace = "default",
    options: KubeconfigOptions = {},
  ): Promise<void> {
    await Deno.writeTextFile(path, this.kubeconfig(namespace, options));
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  resourceRequests(
    filter: Partial<Pick<RequestRecord, "method" | "verb" | "resource">> = {},
  ): RequestRecord[] {
    return this.requests.filter((r) =>
      !r.discovery && r.verb !== undefined &&
      (filter.method === undefined || r.method === filter.method) &&
      (filter.verb === undefined || r.verb === filter.verb) &&
      (filter.resource === undefined || r.resource === filter.resource)
    );
  }

  waitForRequest(pred: (r: RequestRecord) => boolean = () => true): Promise<RequestRecord> {
    const held = this.requests.find((r) => r.hung && pred(r));
    if (held) return Promise.resolve(held);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  objects(kind?: string, namespace?: string): KubeObject[] {
    return this.store.list(kind, namespace);
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    const o = this.store.find(kind, namespace, name);
    return o ? structuredClone(o) : undefined;
  }

  seed(obj: KubeObject): KubeObject {
    return this.store.seed(obj);
  }

  addNamespace(name: string): void {
    if (!this.store.namespaceExists(name)) {
      this.store.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    }
  }

  setStatus(kind: string, namespace: string, name: string, status: unknown): KubeObject {
    return this.store.setStatus(kind, namespace, name, status);
  }

  remove(kind: string, namespace: string, name: string): boolean {
    return this.store.remove(kind, namespace, name);
  }

  deny(rule: DenyRule): void {
    this.denies.push(rule);
  }

  fault(rule: FaultRule): void {
    this.faults.push({ ...rule });
  }

  faultRandomly(spec: RandomFaults): void {
    this.random = {
      spec: { ...spec, faults: spec.faults.map((f) => ({ ...f })) },
      next: seededRandom(spec.seed),
    };
  }

  clearRules(): void {
    this.denies = [];
    this.faults = [];
    this.random = undefined;
  }

  async close(): Promise<void> {
    if (this.front) {
      this.front.process.kill();
      await this.front.process.status;
      await this.front.output.cancel().catch(() => {});
      this.front = undefined;
    }
    // Stop listening first so that a client retrying a dropped request cannot reconnect.
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.http.closeAllConnections();
    // Anyone still waiting for a request will not get one.
    this.waiters = [];
    await closed;
  }

  // -------------------------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", async () => {
      const body = new TextDecoder().decode(concat(chunks));
      const peer = await this.clientCertificate(req.socket);
      this.process(req, res, body, peer);
    });
  }

  /** The common name of the connection's client certificate, if the CA issued it. */
  private clientCertificate(socket: Socket): Promise<string | null> {
    if (!this.tls) return Promise.resolve(null);
    let known = this.peers.get(socket);
    if (!known) {
      const caPem = this.tls.caPem;
      const peer = (socket as unknown as {
        getPeerCertificate(): { raw?: Uint8Array; subject?: { CN?: string } } | null;
      }).getPeerCertificate();
      known = peer?.raw?.length
        ? verifyIssuedBy(derToPem(peer.raw, "CERTIFICATE"), caPem)
          .then((issued) => issued ? peer.subject?.CN ?? "" : null, () => null)
        : Promise.resolve(null);
      this.peers.set(socket, known);
    }
    return known;
  }

  private process(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
    peer: string | null,
  ): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const header = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v.join(", ") : v;
    };
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: toRecordQuery(url.searchParams),
      contentType: header("content-type"),
      status: 0,
      discovery: false,
      userAgent: header("user-agent"),
      httpVersion: header("x-fake-front-http-version") ?? req.httpVersion,
    };
    const parsedBody = parseBodyForLog(body);
    if (parsedBody !== undefined) record.body = parsedBody;
    const fm = url.searchParams.get("fieldManager");
    if (fm !== null) record.fieldManager = fm;
    this.requests.push(record);

    const send = (reply: Reply | TextOrJson) => {
      record.status = reply.status;
      const headers: Record<string, string | string[]> = {};
      if ("headers" in reply && reply.headers) Object.assign(headers, reply.headers);
      let payload: string;
      if ("text" in reply && reply.text) {
        headers["Content-Type"] = "text/plain; charset=utf-8";
        payload = String(reply.body);
      } else {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(reply.body);
      }
      res.writeHead(reply.status, headers);
      res.end(payload);
    };
    const sendError = (e: unknown) => {
      if (e instanceof ApiError) {
        send({ status: e.status.code, body: e.status, headers: e.headers });
      } else {
        const msg = e instanceof Error ? e.message : String(e);
        const st = statusFor(500, "InternalError", `Internal error occurred: ${msg}`);
        send({ status: 500, body: st });
      }
    };

    let parsed: Parsed = {};
    let routeError: unknown;
    try {
      parsed = this.route(url.pathname, method, url.searchParams);
    } catch (e) {
      routeError = e;
    }
    if (parsed.resource) {
      const r = parsed.resource;
      record.verb = r.verb;
      record.resource = r.rt.plural;
      record.group = r.rt.group;
      if (r.subresource) record.subresource = r.subresource;
      if (r.namespace) record.namespace = r.namespace;
      if (r.name) record.name = r.name;
    } else if (routeError === undefined) {
      record.discovery = true;
    }

    // Authentication comes first, as on a real server: a token, else a client certificate.
    if (peer !== null) record.clientCertificate = peer;
    if (header("authorization") === `Bearer ${this.token}`) {
      record.authenticatedBy = "token";
    } else if (peer !== null && header("authorization") === undefined) {
      record.authenticatedBy = "client-certificate";
    } else {
      this.notify(record);
      sendError(unauthorized());
      return;
    }
    if (routeError !== undefined) {
      this.notify(record);
      sendError(routeError);
      return;
    }
    const fault = this.matchFault(record) ?? this.drawFault(record);
    if (fault) {
      if (fault.timeout) {
        // Never answer: the client's timeout or close() ends it.
        record.hung = true;
        record.fault = "timeout";
        this.notify(record);
        return;
      }
      if (fault.reset) {
        // Drop the connection with the request unanswered: the client sees it closed.
        record.reset = true;
        record.fault = "reset";
        this.notify(record);
        req.socket.destroy();
        return;
      }
      this.notify(record);
      const reply = this.faultReply(fault, parsed);
      record.fault = String(reply.status);
      send(reply);
      return;
    }
    this.notify(record);
    if (parsed.discovery !== undefined) {
      send(parsed.discovery);
      return;
    }
    const r = parsed.resource;
    if (!r) {
      sendError(pageNotFound());
      return;
    }
    const denied = this.matchDeny(r);
    if (denied) {
      sendError(denied);
      return;
    }
    try {
      const reply = this.store.handle({
        ...r,
        query: url.searchParams,
        contentType: header("content-type") ?? "",
        body,
        userAgent: header("user-agent") ?? "",
      });
      send(reply);
    } catch (e) {
      sendError(e);
    }
  }

  private notify(record: RequestRecord): void {
    const remaining: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.pred(record)) w.resolve(record);
      else remaining.push(w);
    }
    this.waiters = remaining;
  }

  private matchFault(r: RequestRecord): FaultRule | undefined {
    const f = this.faults.find((f) => matches(f, r));
    if (!f) return undefined;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) this.faults.splice(this.faults.indexOf(f), 1);
    }
    return f;
  }

  /** A random fault for a resource request, if the draw says so and a candidate matches. */
  private drawFault(r: RequestRecord): FaultRule | undefined {
    if (!this.random || r.verb === undefined) return undefined;
    const { spec, next } = this.random;
    // Both draws are made for every resource request, so the sequence does not depend on
    // which candidates match.
    const hit = next() < spec.rate;
    const pick = next();
    if (!hit) return undefined;
    const candidates = spec.faults.filter((f) => matches(f, r));
    return candidates.length === 0 ? undefined : candidates[Math.floor(pick * candidates.length)];
  }

  private faultReply(f: FaultRule, parsed: Parsed): Reply {
    const code = f.status ?? 500;
    const defaults: Record<number, [string, string]> = {
      409: ["Conflict", ""],
      429: [
        "TooManyRequests",
        "the server has received too many requests and has asked us to try again later",
      ],
      500: ["InternalError", "Internal error occurred: injected fault"],
      502: ["", "the server returned an invalid response (bad gateway)"],
      503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
      504: [
        "Timeout",
        "the server was unable to return a response in the time allotted, but may still be " +
        "processing the request",
      ],
    };
    const [reason, msg] = defaults[code] ?? ["", `injected fault ${code}`];
    let message = f.message ?? msg;
    const details: NonNullable<StatusBody["details"]> = {};
    const r = parsed.resource;
    if (r) {
      if (r.name) details.name = r.name;
      if (r.rt.group) details.group = r.rt.group;
      details.kind = r.rt.plural;
      if (code === 409 && !f.message) {
        const q = r.rt.group ? `${r.rt.plural}.${r.rt.group}` : r.rt.plural;
        message = `Operation cannot be fulfilled on ${q} "${r.name}": the object has been ` +
          "modified; please apply your changes to the latest version and try again";
      }
    }
    if (f.retryAfterSeconds !== undefined) details.retryAfterSeconds = f.retryAfterSeconds;
    const body = statusFor(code, f.reason ?? reason, message, details);
    const headers: Record<string, string> = {};
    if (f.retryAfterSeconds !== undefined) headers["Retry-After"] = String(f.retryAfterSeconds);
    return { status: code, body, headers };
  }

  private matchDeny(r: NonNullable<Parsed["resource"]>): ApiError | undefined {
    const resource = r.subresource ? `${r.rt.plural}/${r.subresource}` : r.rt.plural;
    const hit = this.denies.find((d) => {
      const verbs = d.verb === undefined ? undefined : Array.isArray(d.verb) ? d.verb : [d.verb];
      return (verbs === undefined || verbs.includes(r.verb) || verbs.includes("*")) &&
        (d.resource === undefined || d.resource === resource || d.resource === "*") &&
        (d.group === undefined || d.group === r.rt.group) &&
        (d.namespace === undefined || d.namespace === r.namespace) &&
        (d.name === undefined || d.name === r.name);
    });
    if (!hit) return undefined;
    return forbiddenStatus(
      { group: r.rt.group, resource: r.rt.plural, kind: r.rt.kind },
      r.name,
      this.user,
      r.verb,
      resource,
      r.namespace,
    );
  }

  /** Maps a URL to a discovery document or a resource request. */
  private route(path: string, method: string, query: URLSearchParams): Parsed {
    const segs = path.split("/").filter((s) => s !== "");
    if (method === "GET") {
      const d = this.discovery(segs);
      if (d !== undefined) return { discovery: d };
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === "api" && segs.length >= 3) {
      group = "";
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === "apis" && segs.length >= 4) {
      group = segs[1];
      version = segs[2];
      rest = segs.slice(3);
    } else {
      return { discovery: NOT_FOUND_PAGE };
    }
    let namespace = "";
    let plural: string;
    let name = "";
    let subresource = "";
    if (
      rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && rest[2] === "status")
    ) {
      namespace = rest[1];
      plural = rest[2];
      name = rest[3] ?? "";
      subresource = rest[4] ?? "";
      if (rest.length > 5) throw pageNotFound();
    } else {
      plural = rest[0];
      name = rest[1] ?? "";
      subresource = rest[2] ?? "";
      if (rest.length > 3) throw pageNotFound();
    }
    const rt = this.registry.byPlural(group, version, plural);
    if (!rt) {
      if (!this.registry.groups().some((g) => g.group === group && g.versions.includes(version))) {
        return { discovery: NOT_FOUND_PAGE };
      }
      throw pageNotFound();
    }
    if (rt.namespaced && name && !namespace) throw pageNotFound();
    if (!rt.namespaced && namespace) throw pageNotFound();
    let verb: string;
    const watch = query.get("watch");
    if (method === "GET") {
      verb = name ? "get" : watch === "true" || watch === "1" ? "watch" : "list";
    } else if (method === "DELETE") verb = name ? "delete" : "deletecollection";
    else if (VERB_FOR_METHOD[method]) verb = VERB_FOR_METHOD[method];
    else throw new ApiError(statusFor(405, "MethodNotAllowed", `${method} is not supported`));
    if (method === "POST" && name) {
      throw new ApiError(
        statusFor(405, "MethodNotAllowed", "POST on a named resource is not supported"),
      );
    }
    if ((method === "PUT" || method === "PATCH") && !name) {
      throw new ApiError(
        statusFor(405, "MethodNotAllowed", `${method} on a collection is not supported`),
      );
    }
    return { resource: { rt, version, namespace, name, subresource, verb } };
  }

  private discovery(segs: string[]): TextOrJson | undefined {
    const reg = this.registry;
    const p = segs.join("/");
    if (p === "version") return ok(DISCOVERY_VERSION);
    if (p === "api") {
      return ok({
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }],
      });
    }
    if (p === "api/v1") {
      return ok({
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: resourceEntries(reg.resources.filter((r) => r.group === "")),
      });
    }
    const groupDoc = (g: { group: string; versions: string[] }) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
      const preferredName = reg.resources.find((r) => r.group === g.group)?.versions[0] ??
        g.versions[0];
      const preferred = versions.find((v) => v.version === preferredName) ?? versions[0];
      return { name: g.group, versions, preferredVersion: preferred };
    };
    if (p === "apis") {
      return ok({
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: reg.groups().filter((g) => g.group !== "").map(groupDoc),
      });
    }
    if (segs[0] === "apis" && segs.length === 2) {
      const g = reg.groups().find((x) => x.group === segs[1]);
      return g ? ok({ kind: "APIGroup", apiVersion: "v1", ...groupDoc(g) }) : NOT_FOUND_PAGE;
    }
    if (segs[0] === "apis" && segs.length === 3) {
      const rts = reg.resources.filter((r) => r.group === segs[1] && r.versions.includes(segs[2]));
      if (rts.length === 0) return NOT_FOUND_PAGE;
      return ok({
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: `${segs[1]}/${segs[2]}`,
        resources: resourceEntries(rts),
      });
    }
    if (p === "healthz" || p === "readyz" || p === "livez") {
      return { status: 200, body: "ok", text: true };
    }
    if (segs[0] === "openapi") return NOT_FOUND_PAGE;
    return undefined;
  }
}

function matches(f: FaultRule, r: RequestRecord): boolean {
  return (f.method === undefined || f.method.toUpperCase() === r.method) &&
    (f.pathIncludes === undefined ||
      `${r.path}?${new URLSearchParams(r.query)}`.includes(f.pathIncludes)) &&
    (f.verb === undefined || f.verb === r.verb) &&
    (f.resource === undefined || f.resource === r.resource);
}

/**
 * A small seeded PRNG (mulberry32): uniform numbers in [0, 1). The seed goes through murmur3's
 * finalizer first: mulberry32's first outputs from small seeds (0, 1, 2 …, which generated seeds
 * often are) are biased, and a sequence draws only a few dozen numbers.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) >>> 0;
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35) >>> 0;
  a = (a ^ (a >>> 16)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** TLS material by user: RSA keys take a while to make, and tests start many servers. */
const tlsMaterial = new Map<string, ReturnType<typeof makeServerTls>>();

function serverTls(user: string): ReturnType<typeof makeServerTls> {
  let material = tlsMaterial.get(user);
  if (!material) {
    material = makeServerTls(user);
    tlsMaterial.set(user, material);
  }
  return material;
}

async function makeServerTls(user: string) {
  const ca = await createTestCa({ commonName: "fake-kube-apiserver-ca" });
  const issue = async (commonName: string, usage: "server" | "client", ipAddresses?: string[]) => {
    const keyPem = await generatePrivateKey();
    const certPem = await ca.sign(await createCsr(keyPem, { commonName, ipAddresses }), { usage });
    return { certPem, keyPem };
  };
  const [server, client] = await Promise.all([
    issue("127.0.0.1", "server", ["127.0.0.1"]),
    issue(user, "client"),
  ]);
  return {
    caPem: ca.caPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
    issueClientCertificate: (commonName: string) => issue(commonName, "client"),
  };
}

/** Registries by CRD directory: reading the CRDs takes ~150 ms, and a Registry is read-only. */
const registries = new Map<string, Promise<Registry>>();

/** Starts a fake API server on 127.0.0.1 with a random port. */
export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const key = `${opts.gatewayApi !== false}:${opts.crdsDir ?? ""}`;
  let loading = registries.get(key);
  if (!loading) {
    loading = loadRegistry(opts.crdsDir, { gatewayApi: opts.gatewayApi });
    registries.set(key, loading);
  }
  const registry = await loading;
  const tls = opts.tls
    ? await serverTls(opts.user ?? "system:serviceaccount:default:fake-client")
    : undefined;
  const s = new Server(registry, opts, tls);
  await s.listen();
  return s;
}

/** Narrows an unknown JSON value to an object (handy when reading fake server results). */
export function asObject(v: unknown): JsonObject {
  if (!isObject(v)) throw new Error(`expected an object, got ${JSON.stringify(v)}`);
  return v;
}
