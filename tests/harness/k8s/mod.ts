/**
 * A fake Kubernetes API server for tests: the real @kubernetes/client-node talks to it over
 * plain HTTP on loopback. Start it with {@link startFakeApiServer}, point a client at
 * `server.kubeconfig(namespace)`, and inspect objects and the request log afterwards.
 */

export {
  asObject,
  type DenyRule,
  type FakeApiServer,
  type FakeApiServerOptions,
  type FakeApiServerTls,
  type FaultRule,
  type KubeconfigOptions,
  type KubeObject,
  type RandomFaults,
  type RequestRecord,
  startFakeApiServer,
} from "./server.ts";
export { type AdmitResult, defaultCrdsDir, loadRegistry, Registry } from "./registry.ts";
export type { FieldError, StatusBody } from "./errors.ts";
