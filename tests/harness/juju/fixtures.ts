/** Shared metadata and helpers for the harness's own tests (not used by charm tests). */

import type { ToolResult } from "../../../src/juju/runner.ts";
import { FakeJuju } from "./fake_juju.ts";
import { type CharmMeta, checkConsistency, type HookEvent, type JujuState } from "./state.ts";

/** A small charm: two provided endpoints, one required, a peer, typed config and two actions. */
export const META: CharmMeta = {
  name: "gateway",
  provides: { ingress: { interface: "ingress" }, "gateway-route": { interface: "gateway-route" } },
  requires: { certificates: { interface: "tls-certificates", limit: 1 } },
  peers: { peer: { interface: "gateway_peer" } },
  config: {
    "external-hostname": { type: "string", default: "" },
    "gateway-class": { type: "string", default: "cilium" },
    ratio: { type: "float", default: 1.0 },
    replicas: { type: "int", default: 2 },
    enabled: { type: "boolean", default: true },
    "no-default": { type: "string" },
    credentials: { type: "secret" },
  },
  actions: {
    "get-certificate": {
      params: { hostname: { type: "string" }, verbose: { type: "boolean", default: false } },
      required: ["hostname"],
    },
    "nested-params": {
      params: {
        options: { type: "object", default: { a: { b: "c" } } },
        count: { type: "integer", default: 3 },
      },
    },
  },
};

/** Two 20-character secret ids. */
export const SECRET_A = "cs1a2b3c4d5e6f7g8h9i";
export const SECRET_B = "cs0000000000000000zz";

/** Relations used by most tests: ingress:3 with two units (one departed), a peer, certificates. */
export function relations(): NonNullable<JujuState["relations"]> {
  return [
    {
      id: 3,
      endpoint: "ingress",
      remoteApp: "traefik",
      remoteUnits: { "traefik/0": { host: "t0" }, "traefik/1": { host: "t1" } },
      departedUnits: { "traefik/7": { host: "gone" } },
      remoteAppData: { model: "cos" },
      localAppData: { url: "http://old" },
      localUnitData: { mine: "1" },
    },
    { id: 10, endpoint: "ingress", remoteApp: "other", remoteUnits: { "other/0": {} } },
    {
      id: 1,
      endpoint: "peer",
      remoteApp: "gateway",
      remoteUnits: { "gateway/1": { peer: "yes" } },
      localAppData: { shared: "s" },
    },
    { id: 4, endpoint: "certificates", remoteApp: "ca", dying: true, remoteUnits: { "ca/0": {} } },
  ];
}

/** A consistent FakeJuju for `state` and `event` (checked first, like runHook does). */
export function fakeJuju(
  state: Partial<JujuState> = {},
  event: HookEvent = { kind: "hook", name: "update-status" },
): FakeJuju {
  const full: JujuState = { leader: true, relations: relations(), ...state };
  checkConsistency(META, full, event);
  return new FakeJuju(META, full, event);
}

/** Runs one tool given as a command line split on spaces (for readable tables). */
export function tool(fake: FakeJuju, line: string, stdin?: string): Promise<ToolResult> {
  const [name, ...args] = line.split(" ").filter((p) => p !== "");
  return fake.run(name, args, stdin);
}

/** Runs one tool and parses its JSON stdout, failing on a non-zero exit. */
export async function json(fake: FakeJuju, line: string, stdin?: string): Promise<unknown> {
  const result = await tool(fake, line, stdin);
  if (result.code !== 0) throw new Error(`${line}: exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A .charm made by Python's zipfile (as charmcraft does): dispatch 0755 (deflated, a shell script
 * echoing "hello from dispatch" three times), metadata.yaml `name: zipped` 0644 (stored), `bin/`. */
export const PYTHON_ZIP_BASE64 =
  "UEsDBBQAAAAIAAAAIQD111B1KAAAAGkAAAAIAAAAZGlzcGF0Y2hTVtRPyszTL87gSk3OyFfISM3JyVdIK8rPVUjJLC5ILEnO4FKmih" +
  "IAUEsDBBQAAAAAAAAAIQDIUyf8DQAAAA0AAAANAAAAbWV0YWRhdGEueWFtbG5hbWU6IHppcHBlZApQSwMEFAAAAAAAAAAhAAAAAAAAAAAAAAAA" +
  "AAQAAABiaW4vUEsBAhQDFAAAAAgAAAAhAPXXUHUoAAAAaQAAAAgAAAAAAAAAAAAAAO2BAAAAAGRpc3BhdGNoUEsBAhQDFAAAAAAAAAAhAMhTJ/wN" +
  "AAAADQAAAA0AAAAAAAAAAAAAAKSBTgAAAG1ldGFkYXRhLnlhbWxQSwECFAMUAAAAAAAAACEAAAAAAAAAAAAAAAAABAAAAAAAAAAAABAA7UGGAAAA" +
  "YmluL1BLBQYAAAAAAwADAKMAAACoAAAAAAA=";
