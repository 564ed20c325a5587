/**
 * Helpers to point the real @kubernetes/client-node at a fake API server. Kept apart from
 * server.ts so that tests which only need the server do not load client-node.
 */

import { KubeConfig } from "@kubernetes/client-node";
import type { FakeApiServer } from "./server.ts";

/** A KubeConfig for the fake server with `namespace` as the context namespace. */
export function kubeConfigFor(server: FakeApiServer, namespace = "default"): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig(namespace));
  return kc;
}
