/**
 * Least privilege, black-box: the packed charm's launcher gives the program only what a hook
 * needs. A probe put in place of the bundled program (same launcher, same Deno, same flags) tries
 * what the charm does and what it must not: run a hook tool and another binary, read its own
 * files, the kubeconfig and elsewhere, write its temporary directory and elsewhere, reach the API
 * server and another address.
 */
import { deepStrictEqual } from "node:assert/strict";
import { startCluster } from "./cluster.ts";
import { hookToolsDir, packedCharmDir } from "./harness/runner.ts";

/** Tries each operation and says `allowed` or `denied` (a permission error) for it. */
const PROBE = `
// A permission error, or a network error caused by one (fetch wraps them).
const denied = (error) => error instanceof Deno.errors.NotCapable ||
  error instanceof Deno.errors.PermissionDenied ||
  /^Requires \\w+ access/.test(String(error?.message)) ||
  (error?.cause !== undefined && denied(error.cause));
const attempts = JSON.parse(Deno.args[0] ?? Deno.env.get("PROBE"));
const result = {};
for (const [name, [op, arg]] of Object.entries(attempts)) {
  try {
    if (op === "run") await new Deno.Command(arg, { args: ["--help"], stdout: "null", stderr: "null" }).output();
    if (op === "read") await Deno.readTextFile(arg);
    if (op === "write") await Deno.writeTextFile(arg, "x");
    if (op === "net") await (await fetch(arg, { signal: AbortSignal.timeout(5000) })).body?.cancel();
    result[name] = "allowed";
  } catch (error) {
    result[name] = denied(error) ? "denied" : "allowed";
  }
}
console.log(JSON.stringify(result));
`;

async function probeCharm(): Promise<string> {
  const packed = await packedCharmDir();
  const dir = await Deno.makeTempDir({ prefix: "gai-probe-charm-" });
  await new Deno.Command("cp", { args: ["-a", `${packed}/.`, dir] }).output();
  await Deno.writeTextFile(`${dir}/bin/gateway-api-integrator.js`, PROBE);
  return dir;
}

async function runProbe(
  charm: string,
  env: Record<string, string>,
  attempts: Record<string, [string, string]>,
): Promise<Record<string, string>> {
  const out = await new Deno.Command(`${charm}/dispatch`, {
    cwd: charm,
    clearEnv: true,
    env: {
      PATH: `${hookToolsDir()}:/usr/bin:/bin`,
      PROBE: JSON.stringify(attempts),
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !text) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

for (const format of ["yaml", "json"] as const) {
  Deno.test(`the bundle runs only hook tools, reads and writes only its own places, reaches only the API server (${format} kubeconfig)`, async () => {
    const charm = await probeCharm();
    const tmp = await Deno.makeTempDir({ prefix: "gai-probe-tmp-" });
    // JSON on one line, as the bench writes it; YAML over plain HTTP, as the functional tests do.
    const cluster = await startCluster({ tls: format === "json", kubeconfigFormat: format });
    try {
      const kubeconfig = cluster.env.KUBECONFIG;
      const api = cluster.server.url;
      const other = new URL(api);
      other.hostname = "127.0.0.2";
      const result = await runProbe(charm, { ...cluster.env, TMPDIR: tmp }, {
        "run a hook tool": ["run", "juju-log"],
        "run another binary": ["run", "/bin/ls"],
        "run a shell": ["run", "sh"],
        "read the charm's files": ["read", `${charm}/metadata.yaml`],
        "read the kubeconfig": ["read", kubeconfig],
        "read elsewhere": ["read", "/etc/passwd"],
        "write the temporary directory": ["write", `${tmp}/file`],
        "write the charm directory": ["write", `${charm}/file`],
        "write elsewhere": ["write", "/tmp/gai-probe-must-not-exist"],
        "reach the API server": ["net", `${api}/version`],
        "reach another address": ["net", other.toString()],
      });
      deepStrictEqual(result, {
        "run a hook tool": "allowed",
        "run another binary": "denied",
        "run a shell": "denied",
        "read the charm's files": "allowed",
        "read the kubeconfig": "allowed",
        "read elsewhere": "denied",
        "write the temporary directory": "allowed",
        "write the charm directory": "denied",
        "write elsewhere": "denied",
        "reach the API server": "allowed",
        "reach another address": "denied",
      });
    } finally {
      await cluster.close();
      await Deno.remove(charm, { recursive: true });
      await Deno.remove(tmp, { recursive: true });
    }
  });
}

Deno.test("in a pod the bundle reaches only the service's API address and reads the service account", async () => {
  const charm = await probeCharm();
  const tmp = await Deno.makeTempDir({ prefix: "gai-probe-tmp-" });
  try {
    const result = await runProbe(charm, {
      TMPDIR: tmp,
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: "6443",
    }, {
      "read the service account": ["read", "/var/run/secrets/kubernetes.io/serviceaccount/token"],
      "read elsewhere": ["read", "/etc/hostname"],
      "reach the API address": ["net", "http://127.0.0.1:6443/version"],
      "reach another port": ["net", "http://127.0.0.1:6444/version"],
    });
    deepStrictEqual(result, {
      "read the service account": "allowed",
      "read elsewhere": "denied",
      "reach the API address": "allowed",
      "reach another port": "denied",
    });
  } finally {
    await Deno.remove(charm, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("the files a kubeconfig names (relative to it or absolute) are readable; its neighbours are not", async () => {
  const charm = await probeCharm();
  const tmp = await Deno.makeTempDir({ prefix: "gai-probe-tmp-" });
  const dir = await Deno.makeTempDir({ prefix: "gai-probe-kube-" });
  try {
    for (const name of ["ca.crt", "client.key", "unrelated.txt"]) {
      await Deno.writeTextFile(`${dir}/${name}`, name);
    }
    await Deno.writeTextFile(
      `${dir}/config`,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: c",
        "  cluster:",
        "    server: https://127.0.0.1:16443",
        "    certificate-authority: ca.crt",
        "users:",
        "- name: u",
        "  user:",
        `    client-key: "${dir}/client.key"`,
        "contexts:",
        "- name: x",
        "  context: {cluster: c, user: u}",
        "current-context: x",
      ].join("\n"),
    );
    const result = await runProbe(charm, { TMPDIR: tmp, KUBECONFIG: `${dir}/config` }, {
      "read the CA it names": ["read", `${dir}/ca.crt`],
      "read the key it names": ["read", `${dir}/client.key`],
      "read a file beside it": ["read", `${dir}/unrelated.txt`],
      "reach its server": ["net", "https://127.0.0.1:16443/version"],
      "reach another port": ["net", "https://127.0.0.1:16444/version"],
    });
    deepStrictEqual(result, {
      "read the CA it names": "allowed",
      "read the key it names": "allowed",
      "read a file beside it": "denied",
      "reach its server": "allowed",
      "reach another port": "denied",
    });
  } finally {
    for (const path of [charm, tmp, dir]) await Deno.remove(path, { recursive: true });
  }
});
