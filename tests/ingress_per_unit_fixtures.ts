/** Ingress-per-unit requirer data shared by the black-box tests and the demo. */
import { stringify } from "yaml";

/** A unit's databag as the library's `provide_ingress_requirements` writes it. */
export function unitData(
  unit: string,
  extra: Record<string, string> = {},
  model = "testing",
): Record<string, string> {
  const [app, n] = unit.split("/");
  return {
    model,
    name: unit,
    host: `${app}-${n}.${app}-endpoints.${model}.svc.cluster.local`,
    port: "9090",
    mode: "http",
    scheme: "http",
    ...extra,
  };
}

/** A hockeypuck-like traefik-route requirer (issue 12): one TCP port to its pods, its YAML as
 * the Python library writes it. */
export function tcpTraefikRoute(id: number, app: string, port: number): {
  id: number;
  endpoint: string;
  remoteApp: string;
  remoteAppData: Record<string, string>;
  remoteUnits: Record<string, Record<string, string>>;
} {
  const config = {
    tcp: {
      routers: {
        [`${app}-tcp-router`]: {
          entryPoints: ["reconciliation-port"],
          rule: "ClientIP(`0.0.0.0/0`)",
          service: `${app}-tcp-service`,
        },
      },
      services: {
        [`${app}-tcp-service`]: {
          loadBalancer: {
            servers: [{ address: `${app}-0.${app}-endpoints.testing.svc.cluster.local:${port}` }],
          },
        },
      },
    },
  };
  return {
    id,
    endpoint: "traefik-route",
    remoteApp: app,
    remoteAppData: {
      config: stringify(config, { sortMapEntries: true }),
      static: stringify({ entryPoints: { "reconciliation-port": { address: `:${port}` } } }),
      raw: "False",
    },
    remoteUnits: { [`${app}/0`]: {} },
  };
}
