/**
 * The get-certificate action's reads: its parameters, the certificates relation and what the
 * provider published there. Kept apart from the reconcile's gather step, which a run of this
 * action does not load (`src/get_certificate.ts`).
 */
import type { HookContext } from "../juju/context.ts";
import type { HookTools } from "../juju/tools.ts";
import type { CertificateActionWorld } from "../world.ts";
import { ENDPOINTS, liveRelations, remoteApp } from "./relation_refs.ts";

export async function gatherCertificateAction(
  ctx: HookContext,
  tools: HookTools,
): Promise<CertificateActionWorld> {
  // The parameters and the relation at once; the certificate code (its schemas and the X.509
  // parsing) only when there is a relation to read, while its provider's name is asked for.
  const [params, relations] = await Promise.all([
    tools.actionGet(),
    liveRelations(tools, ctx.event, ENDPOINTS.certificates),
  ]);
  const hostname = typeof params.hostname === "string" ? params.hostname : "";
  const relation = relations[0];
  if (!relation) return { kind: "get-certificate", hostname, provided: null, warnings: [] };
  const [{ readProvidedForAction }, provider] = await Promise.all([
    import("./tls.ts"),
    remoteApp(tools, ctx.event, relation),
  ]);
  return {
    kind: "get-certificate",
    hostname,
    ...(await readProvidedForAction(tools, relation, provider)),
  };
}
