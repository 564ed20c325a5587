/**
 * Where the Kubernetes API is and how to authenticate to it, read without client-node: the pod's
 * service account, or a kubeconfig (KUBECONFIG) whose credentials are a token, a token file or a
 * client certificate. Anything else a kubeconfig can say (exec, OIDC and auth-provider plugins,
 * basic auth, impersonation, proxies, a TLS server name, skipping verification on HTTPS) is left
 * to client-node, which is loaded only then. A pod's projected token rotates: it is read again
 * by every hook, since every hook connects anew.
 */
import type { ClientOptions } from "./types.ts";
import { KubeError } from "./types.ts";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Everything the fetch transport needs. */
export interface DirectConfig {
  /** `https://host:port[/prefix]`, or `http://…` when the kubeconfig says to skip TLS checks. */
  readonly server: string;
  /** The CA to trust (PEM); absent: the usual root store. */
  readonly caPem?: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly token?: string;
}

export type Resolved =
  | { readonly transport: "fetch"; readonly config: DirectConfig }
  | { readonly transport: "client-node"; readonly reason: string };

function configError(message: string): KubeError {
  return new KubeError("config", message);
}

function readText(path: string, what: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw configError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

export function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function inPod(options: ClientOptions): DirectConfig {
  const { env } = options;
  const dir = `${options.serviceAccountPrefix ?? ""}${SERVICE_ACCOUNT_DIR}`;
  for (const file of ["token", "ca.crt"]) {
    if (!isFile(`${dir}/${file}`)) {
      throw configError(`running in a pod but the service-account file ${dir}/${file} is missing`);
    }
  }
  const host = env.KUBERNETES_SERVICE_HOST!;
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT}`,
    caPem: readText(`${dir}/ca.crt`, "the service-account CA"),
    token: readText(`${dir}/token`, "the service-account token").trim(),
  };
}

type Entry = Record<string, unknown>;

/** A kubeconfig's text: JSON is read as JSON (no YAML parser needed), anything else as YAML. */
async function parseText(text: string): Promise<unknown> {
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow style that is not JSON: let the YAML parser say.
    }
  }
  const yaml = await import("yaml");
  // Bundled, this CommonJS package's dynamic chunk has only a default export (its exports).
  const parse = yaml.parse ?? yaml.default.parse;
  return parse(text);
}

interface Kubeconfig {
  readonly currentContext: string | undefined;
  /** By section (`clusters`, `users`, `contexts`), by name: the entry and the file it came from. */
  readonly named: Record<string, Map<string, { entry: Entry; file: string }>>;
}

const SECTIONS = { clusters: "cluster", users: "user", contexts: "context" } as const;

/** Merges the files as kubectl does: the first file that names an entry (or the context) wins. */
async function readKubeconfigs(paths: readonly string[]): Promise<Kubeconfig> {
  let currentContext: string | undefined;
  const named: Kubeconfig["named"] = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of paths) {
    const doc = await parseText(readText(file, "the kubeconfig")).catch((error) => {
      throw configError(`invalid Kubernetes configuration: ${(error as Error).message}`);
    });
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== "object" || Array.isArray(doc)) {
      throw configError(`invalid Kubernetes configuration: ${file} is not a kubeconfig`);
    }
    const config = doc as Entry;
    if (
      typeof config["current-context"] === "string" && config["current-context"] && !currentContext
    ) {
      currentContext = config["current-context"];
    }
    for (const [section, key] of Object.entries(SECTIONS)) {
      const list = config[section] ?? [];
      if (!Array.isArray(list)) {
        throw configError(`invalid Kubernetes configuration: ${section} in ${file} is not a list`);
      }
      for (const item of list as Entry[]) {
        const name = item?.name;
        const entry = item?.[key];
        if (typeof name !== "string" || entry === null || typeof entry !== "object") continue;
        if (!named[section].has(name)) named[section].set(name, { entry: entry as Entry, file });
      }
    }
  }
  return { currentContext, named };
}

/** Keys whose meaning the fetch transport implements; any other key goes to client-node. */
const DIRECT_CLUSTER_KEYS = new Set([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "extensions",
]);
const DIRECT_USER_KEYS = new Set([
  "token",
  "tokenFile",
  "token-file",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "extensions",
]);

function relativeTo(file: string, path: string): string {
  return path.startsWith("/") ? path : `${file.slice(0, file.lastIndexOf("/") + 1)}${path}`;
}

function decodeBase64(text: string, what: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
  } catch {
    throw configError(`invalid Kubernetes configuration: ${what} is not base64`);
  }
}

/** `*-data` (base64) or a file path (relative to the kubeconfig that names it). */
function material(entry: Entry, file: string, key: string): string | undefined {
  const data = entry[`${key}-data`];
  if (typeof data === "string" && data !== "") return decodeBase64(data.trim(), `${key}-data`);
  const path = entry[key];
  if (typeof path === "string" && path !== "") return readText(relativeTo(file, path), key);
  return undefined;
}

async function fromKubeconfig(paths: readonly string[]): Promise<Resolved> {
  const { currentContext, named } = await readKubeconfigs(paths);
  const context = currentContext ? named.contexts.get(currentContext)?.entry : undefined;
  const cluster = typeof context?.cluster === "string"
    ? named.clusters.get(context.cluster)
    : undefined;
  if (!cluster || typeof cluster.entry.server !== "string") {
    throw configError("invalid Kubernetes configuration: no current cluster");
  }
  const user = typeof context?.user === "string" ? named.users.get(context.user) : undefined;
  const server = cluster.entry.server.replace(/\/+$/, "");
  const insecure = cluster.entry["insecure-skip-tls-verify"] === true;
  const unknown = [
    ...Object.keys(cluster.entry).filter((key) => !DIRECT_CLUSTER_KEYS.has(key)),
    ...Object.keys(user?.entry ?? {}).filter((key) => !DIRECT_USER_KEYS.has(key)),
  ];
  if (unknown.length > 0) {
    return { transport: "client-node", reason: `the kubeconfig uses ${unknown.join(", ")}` };
  }
  if (insecure && server.startsWith("https:")) {
    return { transport: "client-node", reason: "the kubeconfig skips TLS verification" };
  }
  if (!server.startsWith("https:") && !(server.startsWith("http:") && insecure)) {
    // As client-node: plain HTTP only when the kubeconfig says it does not want TLS checks.
    throw configError(
      `invalid Kubernetes configuration: server ${server} is not https:// ` +
        `(plain HTTP needs insecure-skip-tls-verify)`,
    );
  }
  const userEntry = user?.entry ?? {};
  // client-go's name, and client-node's.
  const tokenFile = userEntry.tokenFile ?? userEntry["token-file"];
  const token = typeof userEntry.token === "string" && userEntry.token !== ""
    ? userEntry.token
    : typeof tokenFile === "string" && tokenFile !== ""
    ? readText(relativeTo(user!.file, tokenFile), "the token file").trim()
    : undefined;
  const certPem = user ? material(userEntry, user.file, "client-certificate") : undefined;
  const keyPem = user ? material(userEntry, user.file, "client-key") : undefined;
  if ((certPem === undefined) !== (keyPem === undefined)) {
    throw configError(
      "invalid Kubernetes configuration: a client certificate needs both certificate and key",
    );
  }
  return {
    transport: "fetch",
    config: {
      server,
      caPem: material(cluster.entry, cluster.file, "certificate-authority"),
      certPem,
      keyPem,
      token,
    },
  };
}

/**
 * In a pod: the service account. Otherwise: the files named by KUBECONFIG. Anything else is a
 * configuration error; never a silent fallback to http://localhost:8080.
 */
export async function resolveConfig(options: ClientOptions): Promise<Resolved> {
  const { env } = options;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
    return { transport: "fetch", config: inPod(options) };
  }
  if (env.KUBECONFIG) {
    const paths = env.KUBECONFIG.split(":").filter((path) => path !== "");
    const missing = paths.filter((path) => !isFile(path));
    if (missing.length > 0) {
      throw configError(`KUBECONFIG names missing file(s): ${missing.join(", ")}`);
    }
    return await fromKubeconfig(paths);
  }
  throw configError(
    "no Kubernetes configuration: not running in a pod (KUBERNETES_SERVICE_HOST is unset) " +
      "and KUBECONFIG is not set",
  );
}
