/**
 * The Kubernetes REST calls the charm makes (get, list with paging, server-side apply, merge
 * patch, delete), their error mapping, their time bounds and their retries, over any transport
 * that can send one HTTP request. Both transports (`client_fetch.ts`, `client_node.ts`) use it, so they send
 * exactly the same requests and fail the same way.
 */
import type { ClientOptions, KubeClient } from "./types.ts";
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
  /** The `Retry-After` header, when the server sent one. */
  readonly retryAfter?: string;
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
  /** Attempts of one request at most, the first included (default 4). */
  readonly attempts?: number;
  /** Longest wait before a retry, a `Retry-After` included (default 1 s). */
  readonly maxRetryDelayMs?: number;
  /** Waits before a retry (tests record the waits instead of sleeping). */
  readonly wait?: (ms: number) => Promise<void>;
  /** The clock of the bounds, in milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 30_000;
export const DEFAULT_ATTEMPTS = 4;
export const DEFAULT_MAX_RETRY_DELAY_MS = 1_000;
/** The first wait when the server names none; it doubles with every retry. */
const FIRST_RETRY_DELAY_MS = 100;

/** Statuses that say "try again": throttled, unavailable, a failed or timed-out proxy. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Whether a failed request may be sent again. Every request this client sends is idempotent —
 * GET, DELETE (a repeat finds the object gone, which `delete` takes as done) and PATCH (a
 * server-side apply or a merge patch without resourceVersion: twice leaves what once leaves) —
 * so a request whose answer was lost (a reset, a timeout) or that the server did not carry out
 * (429, 5xx) is safe to repeat. A 409 on a write is an optimistic-concurrency conflict that the
 * next attempt does not meet; a 409 naming an object that already exists is not retried.
 * Refusals (400, 401, 403, 404, 422) would be refused again: they surface at once.
 */
export function isRetryable(method: RestRequest["method"], error: KubeError): boolean {
  const status = error.details.status;
  if (status === undefined) return error.kind === "unavailable"; // reset, refused, timed out
  if (TRANSIENT_STATUSES.has(status)) return true;
  return status === 409 && method === "PATCH" && error.details.reason !== "AlreadyExists";
}

/** `Retry-After` as milliseconds: delay-seconds, or an HTTP date; undefined when neither. */
export function retryAfterMs(header: string | undefined, nowMs = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

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

function parseBody(response: RestResponse, verb: string, object: string): unknown {
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

/**
 * The client over a transport. Every request is bounded, and so are all of them together: a
 * hung API server fails the hook. A request that fails in a way a repeat can mend (see
 * `isRetryable`) is sent again, a bounded number of times, after the server's `Retry-After` or
 * a doubling wait (both capped), and only while the hook's budget leaves room for it.
 */
/** The REST options a transport takes from the client options. */
export function restOptions(options: ClientOptions): RestOptions {
  return {
    namespace: options.namespace,
    fieldManager: options.fieldManager,
    requestTimeoutMs: options.timeoutMs,
    totalTimeoutMs: options.totalTimeoutMs,
    maxRetryDelayMs: options.maxRetryDelayMs,
  };
}

export function createRestClient(options: RestOptions, send: Send): KubeClient {
  const { namespace, fieldManager } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
  const maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  const now = options.now ?? (() => performance.now());
  const wait = options.wait ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + totalTimeoutMs;
  let requests = 0;
  let retries = 0;

  /** One attempt, bounded by the request's timeout and what is left of the hook's budget. */
  async function attempt(
    verb: string,
    object: string,
    request: Omit<RestRequest, "signal">,
  ): Promise<RestResponse> {
    requests++;
    const left = Math.floor(deadline - now());
    const timeout = left < requestTimeoutMs
      ? `all requests of this hook took more than ${totalTimeoutMs} ms`
      : `no answer within ${requestTimeoutMs} ms`;
    try {
      if (left <= 0) throw new DOMException(timeout, "TimeoutError");
      return await send({
        ...request,
        signal: AbortSignal.timeout(Math.min(left, requestTimeoutMs)),
      });
    } catch (error) {
      throw errorFromThrown(error, verb, object, timeout);
    }
  }

  async function call(
    verb: string,
    object: string,
    method: RestRequest["method"],
    path: string,
    query: Record<string, string> = {},
    body?: unknown,
    contentType?: string,
  ): Promise<unknown> {
    const request = {
      method,
      path,
      query,
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType: body === undefined ? undefined : contentType ?? "application/json",
    };
    for (let attempted = 1;; attempted++) {
      let response: RestResponse | undefined;
      let error: KubeError;
      try {
        response = await attempt(verb, object, request);
        if (response.status >= 200 && response.status < 300) {
          return parseBody(response, verb, object);
        }
        error = errorFromStatus(response.status, response.text, verb, object);
      } catch (thrown) {
        error = thrown as KubeError;
      }
      const delay = Math.min(
        maxRetryDelayMs,
        retryAfterMs(response?.retryAfter) ?? FIRST_RETRY_DELAY_MS * 2 ** (attempted - 1),
      );
      if (attempted >= attempts || !isRetryable(method, error) || now() + delay >= deadline) {
        throw error;
      }
      retries++;
      await wait(delay);
    }
  }

  return {
    namespace,
    fieldManager,
    get requests() {
      return requests;
    },
    get retries() {
      return retries;
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
