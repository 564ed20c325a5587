/**
 * `KubeClient` over web `fetch`: TLS through `Deno.createHttpClient` (the cluster's CA, and the
 * client certificate when there is one), a bearer token when there is one. Used for the pod's
 * service account and for kubeconfigs with token or certificate credentials: it loads in about
 * 1 ms where client-node takes about 100 ms.
 */
import type { ClientOptions, KubeClient } from "./types.ts";
import type { DirectConfig } from "./kubeconfig.ts";
import { createRestClient, restOptions, type RestRequest, type RestResponse } from "./rest.ts";
import { KubeError } from "./types.ts";
import { tlsRandomSeeded } from "./warm.ts";

const USER_AGENT = "gateway-api-integrator";

function httpClient(config: DirectConfig): Deno.HttpClient | undefined {
  if (!config.server.startsWith("https:")) return undefined;
  try {
    return Deno.createHttpClient({
      ...(config.caPem !== undefined ? { caCerts: [config.caPem] } : {}),
      ...(config.certPem !== undefined ? { cert: config.certPem, key: config.keyPem } : {}),
    });
  } catch (error) {
    throw new KubeError(
      "config",
      `invalid Kubernetes configuration: unusable CA or client certificate: ${
        (error as Error).message
      }`,
    );
  }
}

export function createFetchClient(config: DirectConfig, options: ClientOptions): KubeClient {
  const client = httpClient(config);
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": USER_AGENT };
  if (config.token !== undefined) headers.Authorization = `Bearer ${config.token}`;

  async function send(request: RestRequest): Promise<RestResponse> {
    // The first handshake would seed AWS-LC's generator on this thread (see warm.ts).
    if (client) await tlsRandomSeeded();
    const query = new URLSearchParams(request.query).toString();
    const url = `${config.server}${request.path}${query ? `?${query}` : ""}`;
    const response = await fetch(url, {
      method: request.method,
      headers: request.contentType === undefined
        ? headers
        : { ...headers, "Content-Type": request.contentType },
      body: request.body,
      signal: request.signal,
      ...(client ? { client } : {}),
    });
    const retryAfter = response.headers.get("retry-after") ?? undefined;
    return { status: response.status, text: await response.text(), retryAfter };
  }

  return createRestClient(restOptions(options), send);
}
