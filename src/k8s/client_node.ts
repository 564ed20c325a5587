/**
 * `KubeClient` over `@kubernetes/client-node`, for kubeconfigs whose credentials only the library
 * handles (exec, OIDC and auth-provider plugins, and the like; see `kubeconfig.ts`): the library
 * loads the configuration and authenticates requests; the requests themselves are `rest.ts`'s,
 * the same as the fetch transport's. Loaded only on that path: evaluating it costs about 100 ms.
 */
import { HttpMethod, KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import type { ClientOptions, KubeClient } from "./types.ts";
import { createRestClient, restOptions, type RestRequest, type RestResponse } from "./rest.ts";
import { KubeError } from "./types.ts";
import { isFile as fileExists, SERVICE_ACCOUNT_DIR } from "./kubeconfig.ts";

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
  async send(request: RestRequest): Promise<RestResponse> {
    const method = HttpMethod[request.method];
    const context = this.configuration.baseServer.makeRequestContext(request.path, method);
    for (const [name, value] of Object.entries(request.query)) context.setQueryParam(name, value);
    context.setHeaderParam("Accept", "application/json");
    if (request.body !== undefined) {
      context.setHeaderParam("Content-Type", request.contentType ?? "application/json");
      context.setBody(request.body);
    }
    context.setSignal(request.signal);
    await this.configuration.authMethods.default?.applySecurityAuthentication(context);
    const response = await this.configuration.httpApi.send(context).toPromise();
    const retryAfter = response.headers["retry-after"];
    return { status: response.httpStatusCode, text: await response.body.text(), retryAfter };
  }
}

/** The client over client-node: for what only it does (exec, OIDC and auth-provider plugins). */
export function createClientNodeClient(options: ClientOptions): KubeClient {
  const transport = loadKubeConfig(options).makeApiClient(Transport);
  return createRestClient(restOptions(options), (request) => transport.send(request));
}
