/**
 * What the black-box tests share: a fake cluster for the length of one test, and the check that
 * a hook exited 0 (its stderr in the message when it did not).
 */
import { strictEqual } from "node:assert/strict";
import { type Cluster, type ClusterOptions, startCluster } from "./cluster.ts";
import type { HookResult, RelationState } from "./harness/juju/state.ts";

/** Runs `test` against a fresh fake cluster, closed afterwards whatever happens. */
export async function withCluster(
  test: (cluster: Cluster) => Promise<void>,
  options?: ClusterOptions,
): Promise<void> {
  const cluster = await startCluster(options);
  try {
    await test(cluster);
  } finally {
    await cluster.close();
  }
}

/** The hook exited 0; returns it for chaining. */
export function ok0(result: HookResult): HookResult {
  strictEqual(result.exitCode, 0, `exit ${result.exitCode}: ${result.stderr}`);
  return result;
}

/** An ingress v2 requirer `app` of one unit, in the model "testing", on relation `id`. */
export function ingressRequirer(
  id: number,
  app: string,
): Pick<RelationState, "id" | "endpoint" | "remoteApp" | "remoteAppData" | "remoteUnits"> {
  return {
    id,
    endpoint: "gateway",
    remoteApp: app,
    remoteAppData: { model: '"testing"', name: JSON.stringify(app), port: "8080" },
    remoteUnits: { [`${app}/0`]: { host: JSON.stringify(`${app}-0.${app}-endpoints`) } },
  };
}
