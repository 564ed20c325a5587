/**
 * The packed .charm is what Juju needs: a zip with metadata.yaml, manifest.yaml, config.yaml and
 * actions.yaml generated from charmcraft.yaml, the files of `charm/` verbatim (an executable
 * `dispatch` among them) and the program under `bin/`; the arm64 charm differs only in its Deno.
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
    const name of [
      "metadata.yaml",
      "manifest.yaml",
      "config.yaml",
      "actions.yaml",
      "dispatch",
      "LICENSE",
      "icon.svg",
    ]
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

Deno.test("metadata.yaml carries the Python charm's name, endpoints (gateway unlimited), a peer endpoint and assumptions", () => {
  const metadata = yamlOf("metadata.yaml");
  strictEqual(metadata.name, "gateway-api-integrator");
  strictEqual(metadata["display-name"], "Gateway API Integrator");
  strictEqual(metadata.summary, "An operator to manage gateway resources.");
  deepStrictEqual(metadata.assumes, ["k8s-api", "juju >= 3.3"]);
  deepStrictEqual(metadata.provides, {
    // No limit: unlike the Python charm, any number of applications may relate.
    gateway: { interface: "ingress" },
    "gateway-route": { interface: "gateway-route" },
    "traefik-route": { interface: "traefik_route" },
    "ingress-per-unit": { interface: "ingress_per_unit" },
  });
  deepStrictEqual(metadata.requires, {
    certificates: { interface: "tls-certificates", limit: 1 },
    "dns-record": { interface: "dns_record" },
    "receive-ca-cert": { interface: "certificate_transfer" },
  });
  deepStrictEqual(metadata.peers, {
    "gateway-peers": { interface: "gateway_api_integrator_peers" },
  });
  ok(!("containers" in metadata));
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
      "routing-mode": ["string", "path"],
      "additional-hostnames": ["string", undefined],
      "request-timeout": ["string", undefined],
      "backend-request-timeout": ["string", undefined],
      "gateway-annotations": ["string", undefined],
      "gateway-labels": ["string", undefined],
      "ingress-per-unit-tcp-ports": ["string", "20000-20999"],
    },
  );
  deepStrictEqual(Object.keys(yamlOf("actions.yaml")), [
    "get-certificate",
    "show-proxied-endpoints",
  ]);
});

Deno.test("manifest.yaml declares an ubuntu 24.04 amd64 base (a V2 charm) and nothing V1", () => {
  const manifest = yamlOf("manifest.yaml");
  deepStrictEqual(manifest.bases, [{ name: "ubuntu", channel: "24.04", architectures: ["amd64"] }]);
  for (const key of ["series", "min-juju-version", "deployment"]) ok(!(key in manifest), key);
});

Deno.test("charmcraft.yaml is packable by charmcraft: base, platform and a build part running build.ts", () => {
  strictEqual(charmcraft.type, "charm");
  strictEqual(charmcraft.base, "ubuntu@24.04");
  deepStrictEqual(Object.keys(charmcraft.platforms as object), ["amd64", "arm64"]);
  const parts = charmcraft.parts as Record<string, Record<string, unknown>>;
  const part = parts.dispatch;
  strictEqual(part.plugin, "nil");
  deepStrictEqual(part["build-snaps"], ["deno"]);
  ok(
    String(part["override-build"]).includes(
      'build.ts build --target "$CRAFT_ARCH_BUILD_FOR" --out "$CRAFT_PART_INSTALL"',
    ),
  );
  ok(!("charm" in parts), "a part named charm would get the Python charm plugin");
});

const CHARM_DIR = new URL("../charm/", import.meta.url);

Deno.test("every file of charm/ is packed verbatim, with its mode", async () => {
  const names = [...Deno.readDirSync(CHARM_DIR)].filter((entry) => entry.isFile).map((entry) =>
    entry.name
  );
  deepStrictEqual(names.sort(), ["LICENSE", "dispatch", "icon.svg"]);
  for (const name of names) {
    const file = new URL(name, CHARM_DIR);
    deepStrictEqual(byName.get(name)!.data, await Deno.readFile(file), name);
    const mode = (await Deno.stat(file)).mode! & 0o111 ? 0o755 : 0o644;
    strictEqual(byName.get(name)!.mode & 0o777, mode, name);
  }
});

Deno.test("the launcher and the compiled form let the charm run the same hook tools, no others", async () => {
  const { HOOK_TOOLS, PERMISSIONS } = await import("../build.ts");
  const launcher = await Deno.readTextFile(new URL("dispatch", CHARM_DIR));
  const listed = [...launcher.matchAll(/^run=(?:\$run,)?(.+)$/gm)].flatMap((m) => m[1].split(","));
  deepStrictEqual(listed, HOOK_TOOLS);
  ok(PERMISSIONS.includes(`--allow-run=${HOOK_TOOLS.join(",")}`));
  // Every tool the adapters call is in the list.
  const adapters = await Deno.readTextFile(new URL("../src/juju/tools.ts", import.meta.url));
  const called = [...adapters.matchAll(/(?:call|json)\(\s*"([a-z-]+)"/g)].map((m) => m[1]);
  for (const tool of new Set(called)) ok(HOOK_TOOLS.includes(tool), `${tool} is not allowed`);
});

/** ELF e_machine of an executable: 62 is x86-64, 183 is AArch64. */
function elfMachine(data: Uint8Array): number {
  strictEqual(new TextDecoder().decode(data.slice(1, 4)), "ELF");
  return new DataView(data.buffer, data.byteOffset).getUint16(18, true);
}

Deno.test("the amd64 charm ships an x86-64 Deno; the arm64 charm the same files with an AArch64 Deno", async () => {
  const out = await Deno.makeTempDir({ prefix: "gai-arm64-" });
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("../build.ts", import.meta.url).pathname,
        "pack",
        "--target",
        "aarch64",
        "--form",
        "bundle",
        "--out",
        out,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(result.stdout);
    strictEqual(result.code, 0, new TextDecoder().decode(result.stderr));
    ok(stdout.includes("npm:@deno/linux-arm64-glibc"), stdout);
    const arm = new Map(
      readZip(
        await Deno.readFile(new URL("../gateway-api-integrator_arm64.charm", import.meta.url)),
      )
        .map((entry) => [entry.name, entry]),
    );
    strictEqual(elfMachine(byName.get("bin/deno")!.data), 62);
    strictEqual(elfMachine(arm.get("bin/deno")!.data), 183);
    strictEqual(arm.get("bin/deno")!.mode & 0o777, 0o755);
    deepStrictEqual([...arm.keys()].sort(), [...byName.keys()].sort());
    for (const [name, entry] of byName) {
      if (name === "bin/deno" || name === "manifest.yaml") continue;
      deepStrictEqual(arm.get(name)!.data, entry.data, `${name} differs between the charms`);
      strictEqual(arm.get(name)!.mode, entry.mode, name);
    }
    const manifest = parse(new TextDecoder().decode(arm.get("manifest.yaml")!.data)) as {
      bases: unknown;
    };
    deepStrictEqual(manifest.bases, [{
      name: "ubuntu",
      channel: "24.04",
      architectures: ["arm64"],
    }]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
