/**
 * Pure builders of the objects of one ingress-per-unit unit: a Service selecting that unit's pod
 * alone, and its HTTP routes on `/<model>-<app>-<n>` (the forwarding routes are the ingress
 * ones, with the unit in place of the application).
 */
import type { KubeObject } from "../k8s/types.ts";
import { unitDashed, type UnitRequest } from "../interfaces/ingress_per_unit.ts";
import { httpListenerName, ingressPath, routeName, serviceName } from "./names.ts";
import type { Backend, RouteOptions } from "./objects.ts";

/** The label Kubernetes gives each pod of a StatefulSet: its own name. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/** A unit as the ingress builders see an application: its pod name stands for the app name. */
export function unitBackend(request: UnitRequest): Backend {
  return {
    model: request.model,
    app: unitDashed(request.unit),
    port: request.port,
    stripPrefix: request.stripPrefix,
    redirectHttps: request.redirectHttps,
  };
}

export function renderUnitService(gateway: string, request: UnitRequest): KubeObject {
  const pod = unitDashed(request.unit);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: serviceName(gateway, pod) },
    spec: {
      ports: [{ port: request.port, name: `tcp-${request.port}`, targetPort: request.port }],
      selector: { [POD_NAME_LABEL]: pod },
    },
  };
}

/** The unit's `redirect-https`: its path on the HTTP listener answers 301 to HTTPS. */
export function renderUnitRedirectRoute(options: RouteOptions, request: UnitRequest): KubeObject {
  const pod = unitDashed(request.unit);
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: routeName(options.gateway, pod, "http") },
    spec: {
      parentRefs: [{
        name: options.gateway,
        namespace: options.namespace,
        sectionName: httpListenerName(options.gateway, options.host),
      }],
      hostnames: options.host === null ? [] : [options.host],
      rules: [{
        matches: [{ path: { type: "PathPrefix", value: ingressPath(request.model, pod) } }],
        filters: [{
          type: "RequestRedirect",
          requestRedirect: { scheme: "https", statusCode: 301 },
        }],
      }],
    },
  };
}
