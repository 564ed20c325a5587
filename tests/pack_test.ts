/**
 * The packed .charm is what Juju needs: a zip with metadata.yaml, manifest.yaml, config.yaml and
 * actions.yaml generated from charmcraft.yaml, and an executable `dispatch`.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { parse } from "yaml";
import { readZip } from "./harness/zip.ts";
import { charmFilePath } from "./harness/runner.ts";

const charmcraft = parse(
  await Deno.readTextFile(new URL("../charmcraft.yaml", import.meta.url)),
) as Record<
  string,
  unknown
>;
const entries = readZip(await Deno.readFile(charmFilePath()));
const byName = new Map(entries.map((entry) => [entry.name, entry]));
const yamlOf = (name: string) =>
  parse(new TextDecoder().decode(byName.get(name)!.data)) as Record<string, unknown>;

Deno.test("the charm holds Juju's files and an executable dispatch", () => {
  for (
    const name of ["metadata.yaml", "manifest.yaml", "config.yaml", "actions.yaml", "dispatch"]
  ) {
    ok(byName.has(name), `${name} is missing`);
  }
  strictEqual(byName.get("dispatch")!.mode & 0o777, 0o755);
  for (const entry of entries.filter((e) => e.name.startsWith("bin/"))) {
    ok(
      entry.name.endsWith(".js") || (entry.mode & 0o111) !== 0,
      `${entry.name} mode`,
    );
  }
});

Deno.test("metadata.yaml carries the Python charm's name, endpoints (gateway unlimited) and assumptions", () => {
  const metadata = yamlOf("metadata.yaml");
  strictEqual(metadata.name, "gateway-api-integrator");
  strictEqual(metadata["display-name"], "Gateway API Integrator");
  strictEqual(metadata.summary, "An operator to manage gateway resources.");
  deepStrictEqual(metadata.assumes, ["k8s-api", "juju >= 3.3"]);
  deepStrictEqual(metadata.provides, {
    // No limit: unlike the Python charm, any number of applications may relate.
    gateway: { interface: "ingress" },
    "gateway-route": { interface: "gateway-route" },
  });
  deepStrictEqual(metadata.requires, {
    certificates: { interface: "tls-certificates", limit: 1 },
    "dns-record": { interface: "dns_record" },
  });
  ok(!("containers" in metadata) && !("peers" in metadata));
});

Deno.test("config.yaml and actions.yaml are charmcraft.yaml's", () => {
  deepStrictEqual(yamlOf("config.yaml"), charmcraft.config);
  deepStrictEqual(yamlOf("actions.yaml"), charmcraft.actions);
  const options = (yamlOf("config.yaml").options ?? {}) as Record<
    string,
    { type: string; default?: unknown }
  >;
  deepStrictEqual(
    Object.fromEntries(
      Object.entries(options).map(([name, option]) => [name, [option.type, option.default]]),
    ),
    {
      "external-hostname": ["string", undefined],
      "gateway-class": ["string", undefined],
      "enforce-https": ["boolean", true],
      "hsts-max-age": ["int", 31536000],
    },
  );
  deepStrictEqual(Object.keys(yamlOf("actions.yaml")), ["get-certificate"]);
});

Deno.test("manifest.yaml declares an ubuntu 24.04 amd64 base (a V2 charm) and nothing V1", () => {
  const manifest = yamlOf("manifest.yaml");
  deepStrictEqual(manifest.bases, [{ name: "ubuntu", channel: "24.04", architectures: ["amd64"] }]);
  for (const key of ["series", "min-juju-version", "deployment"]) ok(!(key in manifest), key);
});

Deno.test("charmcraft.yaml is packable by charmcraft: base, platform and a build part running build.ts", () => {
  strictEqual(charmcraft.type, "charm");
  strictEqual(charmcraft.base, "ubuntu@24.04");
  deepStrictEqual(Object.keys(charmcraft.platforms as object), ["amd64"]);
  const parts = charmcraft.parts as Record<string, Record<string, unknown>>;
  const part = parts.dispatch;
  strictEqual(part.plugin, "nil");
  deepStrictEqual(part["build-snaps"], ["deno"]);
  ok(String(part["override-build"]).includes('build.ts build --out "$CRAFT_PART_INSTALL"'));
  ok(!("charm" in parts), "a part named charm would get the Python charm plugin");
});
