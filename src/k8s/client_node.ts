/**
 * `KubeClient` over `@kubernetes/client-node`: the library loads the configuration (in-cluster
 * service account or kubeconfig) and authenticates requests (token files, client certificates,
 * exec plugins, TLS); the paths, bodies and error mapping are ours, so every request is exactly
 * the one intended (no discovery round-trips, no typed-model rewriting of bodies).
 */
import { HttpMethod, KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import type { ClientOptions, KubeClient } from "./client.ts";
import {
  type FieldCause,
  KubeError,
  type KubeErrorKind,
  type KubeObject,
  type ResourceKind,
} from "./types.ts";

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const DEFAULT_TIMEOUT_MS = 10_000;

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * In a pod: the service account. Otherwise: the files named by KUBECONFIG. Anything else is a
 * configuration error; never the library's silent fallback to http://localhost:8080.
 */
export function loadKubeConfig(options: ClientOptions): KubeConfig {
  const kc = new KubeConfig();
  const { env } = options;
  const prefix = options.serviceAccountPrefix ?? "";
  const saDir = `${prefix}${SERVICE_ACCOUNT_DIR}`;
  try {
    if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) {
      for (const file of ["token", "ca.crt"]) {
        if (!fileExists(`${saDir}/${file}`)) {
          throw new KubeError(
            "config",
            `running in a pod but the service-account file ${saDir}/${file} is missing`,
          );
        }
      }
      // What loadFromCluster does, but from the environment we were given: the token file is
      // re-read by the library as it rotates.
      const host = env.KUBERNETES_SERVICE_HOST.includes(":")
        ? `[${env.KUBERNETES_SERVICE_HOST}]`
        : env.KUBERNETES_SERVICE_HOST;
      kc.loadFromOptions({
        clusters: [{
          name: "in-cluster",
          server: `https://${host}:${env.KUBERNETES_SERVICE_PORT}`,
          caFile: `${saDir}/ca.crt`,
          skipTLSVerify: false,
        }],
        users: [{
          name: "service-account",
          authProvider: { name: "tokenFile", config: { tokenFile: `${saDir}/token` } },
        }],
        contexts: [{ name: "in-cluster", cluster: "in-cluster", user: "service-account" }],
        currentContext: "in-cluster",
      });
    } else if (env.KUBECONFIG) {
      const paths = env.KUBECONFIG.split(":").filter((path) => path !== "");
      const missing = paths.filter((path) => !fileExists(path));
      if (missing.length > 0) {
        throw new KubeError("config", `KUBECONFIG names missing file(s): ${missing.join(", ")}`);
      }
      kc.loadFromFile(paths[0]);
      for (const path of paths.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(path);
        kc.mergeConfig(more);
      }
    } else {
      throw new KubeError(
        "config",
        "no Kubernetes configuration: not running in a pod (KUBERNETES_SERVICE_HOST is unset) " +
          "and KUBECONFIG is not set",
      );
    }
  } catch (error) {
    if (error instanceof KubeError) throw error;
    throw new KubeError("config", `invalid Kubernetes configuration: ${(error as Error).message}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeError("config", "invalid Kubernetes configuration: no current cluster");
  }
  return kc;
}

/** Exposes the configured transport of the generic API for our own requests. */
class Transport extends KubernetesObjectApi {
  async send(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body: unknown,
    contentType: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; text: string }> {
    const context = this.configuration.baseServer.makeRequestContext(path, method);
    for (const [name, value] of Object.entries(query)) context.setQueryParam(name, value);
    context.setHeaderParam("Accept", "application/json");
    if (body !== undefined) {
      context.setHeaderParam("Content-Type", contentType ?? "application/json");
      context.setBody(JSON.stringify(body));
    }
    context.setSignal(AbortSignal.timeout(timeoutMs));
    await this.configuration.authMethods.default?.applySecurityAuthentication(context);
    const response = await this.configuration.httpApi.send(context).toPromise();
    return { status: response.httpStatusCode, text: await response.body.text() };
  }
}

function basePath(kind: ResourceKind, namespace: string): string {
  const root = kind.apiVersion.includes("/")
    ? `/apis/${kind.apiVersion}`
    : `/api/${kind.apiVersion}`;
  return kind.namespaced
    ? `${root}/namespaces/${namespace}/${kind.plural}`
    : `${root}/${kind.plural}`;
}

const STATUS_KINDS: Record<number, KubeErrorKind> = {
  403: "forbidden",
  404: "not-found",
  409: "conflict",
  422: "invalid",
};

/** Turns a non-2xx answer into a KubeError carrying the API's reason, message and causes. */
export function errorFromStatus(
  status: number,
  text: string,
  verb: string,
  object: string,
): KubeError {
  let reason: string | undefined;
  let message = text.trim().slice(0, 500) || `HTTP ${status}`;
  let causes: FieldCause[] = [];
  try {
    const body = JSON.parse(text) as {
      reason?: string;
      message?: string;
      details?: { causes?: { field?: string; message?: string }[] };
    };
    reason = body.reason;
    message = body.message ?? message;
    causes = (body.details?.causes ?? []).map((cause) => ({
      field: cause.field ?? "",
      message: cause.message ?? "",
    }));
  } catch {
    // Not a Status body (a proxy's HTML page, say): keep the text.
  }
  const kind = STATUS_KINDS[status] ?? (status >= 500 || status === 429 ? "unavailable" : "other");
  return new KubeError(kind, message, { status, reason, causes, verb, object });
}

/** Network failures, TLS failures and timeouts: the API could not be reached. */
function errorFromThrown(error: unknown, verb: string, object: string): KubeError {
  if (error instanceof KubeError) return error;
  const err = error as { name?: string; message?: string; cause?: { message?: string } };
  const detail = [err.message, err.cause?.message].filter(Boolean).join(": ");
  const timedOut = err.name === "TimeoutError" || err.name === "AbortError";
  return new KubeError(
    "unavailable",
    timedOut
      ? `timed out talking to the Kubernetes API`
      : `cannot reach the Kubernetes API: ${detail}`,
    { verb, object },
  );
}

export function createClientNodeClient(options: ClientOptions): KubeClient {
  const kc = loadKubeConfig(options);
  const transport = kc.makeApiClient(Transport);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { namespace, fieldManager } = options;
  let requests = 0;

  async function call(
    verb: string,
    object: string,
    method: HttpMethod,
    path: string,
    query: Record<string, string> = {},
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; json: unknown }> {
    requests++;
    let response: { status: number; text: string };
    try {
      response = await transport.send(method, path, query, body, contentType, timeoutMs);
    } catch (error) {
      throw errorFromThrown(error, verb, object);
    }
    if (response.status < 200 || response.status >= 300) {
      throw errorFromStatus(response.status, response.text, verb, object);
    }
    try {
      return { status: response.status, json: response.text ? JSON.parse(response.text) : null };
    } catch {
      throw new KubeError(
        "other",
        `the Kubernetes API answered ${verb} ${object} with invalid JSON`,
        {
          status: response.status,
          verb,
          object,
        },
      );
    }
  }

  function asObject(value: unknown, verb: string, object: string): KubeObject {
    const candidate = value as KubeObject | null;
    if (
      !candidate || typeof candidate !== "object" || typeof candidate.metadata?.name !== "string"
    ) {
      throw new KubeError("other", `the Kubernetes API answered ${verb} ${object} with no object`, {
        verb,
        object,
      });
    }
    return candidate;
  }

  return {
    namespace,
    fieldManager,
    get requests() {
      return requests;
    },

    async get(kind, name) {
      const object = `${kind.kind}/${name}`;
      try {
        const { json } = await call(
          "get",
          object,
          HttpMethod.GET,
          `${basePath(kind, namespace)}/${name}`,
        );
        return asObject(json, "get", object);
      } catch (error) {
        if (error instanceof KubeError && error.kind === "not-found") return null;
        throw error;
      }
    },

    async list(kind, labelSelector) {
      const items: KubeObject[] = [];
      let continueToken: string | undefined;
      do {
        const query: Record<string, string> = {};
        if (labelSelector) query.labelSelector = labelSelector;
        if (continueToken) query.continue = continueToken;
        const { json } = await call(
          "list",
          kind.plural,
          HttpMethod.GET,
          basePath(kind, namespace),
          query,
        );
        const list = json as { items?: KubeObject[]; metadata?: { continue?: string } } | null;
        // Items of a list carry no apiVersion/kind; restore them so callers see whole objects.
        for (const item of list?.items ?? []) {
          const { apiVersion: _apiVersion, kind: _kind, ...rest } = item;
          items.push({ apiVersion: kind.apiVersion, kind: kind.kind, ...rest });
        }
        continueToken = list?.metadata?.continue || undefined;
      } while (continueToken);
      return items;
    },

    async apply(kind, desired) {
      const name = desired.metadata.name;
      const object = `${kind.kind}/${name}`;
      const body = {
        ...desired,
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        metadata: { ...desired.metadata, ...(kind.namespaced ? { namespace } : {}) },
      };
      const { json } = await call(
        "apply",
        object,
        HttpMethod.PATCH,
        `${basePath(kind, namespace)}/${name}`,
        { fieldManager, force: "true" },
        body,
        "application/apply-patch+yaml",
      );
      return asObject(json, "apply", object);
    },

    async mergePatch(kind, name, patch) {
      const object = `${kind.kind}/${name}`;
      const { json } = await call(
        "patch",
        object,
        HttpMethod.PATCH,
        `${basePath(kind, namespace)}/${name}`,
        { fieldManager },
        patch,
        "application/merge-patch+json",
      );
      return asObject(json, "patch", object);
    },

    async delete(kind, name) {
      const object = `${kind.kind}/${name}`;
      try {
        await call("delete", object, HttpMethod.DELETE, `${basePath(kind, namespace)}/${name}`);
      } catch (error) {
        if (error instanceof KubeError && error.kind === "not-found") return;
        throw error;
      }
    },
  };
}
