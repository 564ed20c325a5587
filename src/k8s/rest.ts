/**
 * The Kubernetes REST calls the charm makes (get, list with paging, server-side apply, merge
 * patch, delete), their error mapping and their time bounds, over any transport that can send
 * one HTTP request. Both transports (`client_fetch.ts`, `client_node.ts`) use it, so they send
 * exactly the same requests and fail the same way.
 */
import type { KubeClient } from "./types.ts";
import {
  type FieldCause,
  KubeError,
  type KubeErrorKind,
  type KubeObject,
  type ResourceKind,
} from "./types.ts";

/** One HTTP request to the API server: `path` is absolute (`/api/v1/...`). */
export interface RestRequest {
  readonly method: "GET" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly contentType?: string;
  readonly signal: AbortSignal;
}

export interface RestResponse {
  readonly status: number;
  readonly text: string;
}

/** A transport: sends one request, authenticated, and returns the answer (any status). */
export type Send = (request: RestRequest) => Promise<RestResponse>;

export interface RestOptions {
  readonly namespace: string;
  readonly fieldManager: string;
  /** Bound of one request (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Bound of all requests of this client together, i.e. of the hook (default 30 s). */
  readonly totalTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;

export function basePath(kind: ResourceKind, namespace: string): string {
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
function errorFromThrown(
  error: unknown,
  verb: string,
  object: string,
  timeout: string,
): KubeError {
  if (error instanceof KubeError) return error;
  const err = error as { name?: string; message?: string; cause?: { message?: string } };
  const detail = [err.message, err.cause?.message].filter(Boolean).join(": ");
  const timedOut = err.name === "TimeoutError" || err.name === "AbortError";
  return new KubeError(
    "unavailable",
    timedOut
      ? `timed out talking to the Kubernetes API (${timeout})`
      : `cannot reach the Kubernetes API: ${detail}`,
    { verb, object },
  );
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

/** The client over a transport. Every request is bounded: a hung API server fails the hook. */
export function createRestClient(options: RestOptions, send: Send): KubeClient {
  const { namespace, fieldManager } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const deadline = performance.now() + totalTimeoutMs;
  let requests = 0;

  async function call(
    verb: string,
    object: string,
    method: RestRequest["method"],
    path: string,
    query: Record<string, string> = {},
    body?: unknown,
    contentType?: string,
  ): Promise<unknown> {
    requests++;
    const left = Math.floor(deadline - performance.now());
    const timeout = left < requestTimeoutMs
      ? `all requests of this hook took more than ${totalTimeoutMs} ms`
      : `no answer within ${requestTimeoutMs} ms`;
    let response: RestResponse;
    try {
      if (left <= 0) throw new DOMException(timeout, "TimeoutError");
      response = await send({
        method,
        path,
        query,
        body: body === undefined ? undefined : JSON.stringify(body),
        contentType: body === undefined ? undefined : contentType ?? "application/json",
        signal: AbortSignal.timeout(Math.min(left, requestTimeoutMs)),
      });
    } catch (error) {
      throw errorFromThrown(error, verb, object, timeout);
    }
    if (response.status < 200 || response.status >= 300) {
      throw errorFromStatus(response.status, response.text, verb, object);
    }
    try {
      return response.text ? JSON.parse(response.text) : null;
    } catch {
      throw new KubeError(
        "other",
        `the Kubernetes API answered ${verb} ${object} with invalid JSON`,
        { status: response.status, verb, object },
      );
    }
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
        const json = await call("get", object, "GET", `${basePath(kind, namespace)}/${name}`);
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
        const json = await call("list", kind.plural, "GET", basePath(kind, namespace), query);
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
      const json = await call(
        "apply",
        object,
        "PATCH",
        `${basePath(kind, namespace)}/${name}`,
        { fieldManager, force: "true" },
        body,
        "application/apply-patch+yaml",
      );
      return asObject(json, "apply", object);
    },

    async mergePatch(kind, name, patch) {
      const object = `${kind.kind}/${name}`;
      const json = await call(
        "patch",
        object,
        "PATCH",
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
        await call("delete", object, "DELETE", `${basePath(kind, namespace)}/${name}`);
      } catch (error) {
        if (error instanceof KubeError && error.kind === "not-found") return;
        throw error;
      }
    },
  };
}
