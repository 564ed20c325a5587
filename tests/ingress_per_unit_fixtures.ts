/** Ingress-per-unit requirer data shared by the black-box tests and the demo. */

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
