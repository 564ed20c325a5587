/**
 * What hockeypuck-k8s sends over traefik-route (issue 12's acceptance example), for the tests and
 * the demo: a Traefik dynamic configuration with one TCP router on the `reconciliation-port`
 * entry point, its service's servers being the units' pods, and the static entry point itself.
 */

/** The pod host of unit `n` of `app` in `model`. */
export const unitHost = (app: string, n: number, model = "testing") =>
  `${app}-${n}.${app}-endpoints.${model}.svc.cluster.local`;

/** `config` and `static` of a hockeypuck-like requirer with `units` units on `port`. */
export function hockeypuckTraefik(
  app: string,
  port: number,
  units = 1,
  model = "testing",
): { config: Record<string, unknown>; static: Record<string, unknown> } {
  return {
    config: {
      tcp: {
        routers: {
          [`${app}-tcp-router`]: {
            rule: "ClientIP(`0.0.0.0/0`)",
            entryPoints: ["reconciliation-port"],
            service: `${app}-tcp-service`,
          },
        },
        services: {
          [`${app}-tcp-service`]: {
            loadBalancer: {
              servers: Array.from(
                { length: units },
                (_, n) => ({ address: `${unitHost(app, n, model)}:${port}` }),
              ),
            },
          },
        },
      },
    },
    static: { entryPoints: { "reconciliation-port": { address: `:${port}` } } },
  };
}
