/**
 * build.ts picks the compiled form when a compile runtime is named or cached and the bundle form
 * otherwise, and always says which form it built and why.
 */
import { ok, strictEqual } from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

async function build(args: string[], env: Record<string, string> = {}) {
  const out = await Deno.makeTempDir({ prefix: "gai-build-" });
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}build.ts`, "build", "--out", out, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    out,
    code: result.code,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
  };
}

async function header(path: string, length: number): Promise<Uint8Array> {
  const file = await Deno.open(path);
  try {
    const buffer = new Uint8Array(length);
    await file.read(buffer);
    return buffer;
  } finally {
    file.close();
  }
}

/** The files a module loads before it runs: itself and its static imports, transitively. */
function staticClosure(dir: string, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const text = Deno.readTextFileSync(`${dir}/${name}`);
    for (
      const match of text.matchAll(/(?:^|[;}\s])(?:import|export)\b[^"'()]*?["']\.\/([^"']+)["']/g)
    ) {
      visit(match[1]);
    }
  };
  visit(entry);
  return seen;
}

/** client-node's sources name its User-Agent. */
function isClientNode(path: string): boolean {
  return Deno.readTextFileSync(path).includes("kubernetes-client-javascript");
}

Deno.test("--form bundle builds a launcher, the bundle and the Deno binary, and says so", async () => {
  const result = await build(["--form", "bundle"]);
  try {
    strictEqual(result.code, 0, result.stderr);
    ok(result.stdout.includes("built the bundle form"), result.stdout);
    ok(result.stdout.includes("because bundle form requested"), result.stdout);
    const dispatch = await Deno.stat(`${result.out}/dispatch`);
    strictEqual(dispatch.mode! & 0o777, 0o755);
    ok((await Deno.readTextFile(`${result.out}/dispatch`)).startsWith("#!/bin/sh\n"));
    strictEqual((await Deno.stat(`${result.out}/bin/deno`)).mode! & 0o111, 0o111);
    ok((await Deno.stat(`${result.out}/bin/gateway-api-integrator.js`)).size > 1000);
    // A hook loads the entry and its static imports; client-node only through a dynamic import.
    const eager = staticClosure(`${result.out}/bin`, "gateway-api-integrator.js");
    const all = [...Deno.readDirSync(`${result.out}/bin`)].map((entry) => entry.name)
      .filter((name) => name.endsWith(".js"));
    const clientNode = all.filter((name) => isClientNode(`${result.out}/bin/${name}`));
    ok(clientNode.length > 0, `no chunk holds client-node: ${all.join(", ")}`);
    for (const name of eager) ok(!isClientNode(`${result.out}/bin/${name}`), `${name} is eager`);
    ok(
      all.some((name) =>
        Deno.readTextFileSync(`${result.out}/bin/${name}`)
          .includes(`import("./${clientNode[0]}"+"")`)
      ),
      "client-node is not reachable by a dynamic import",
    );
    // Every import() of a chunk is opaque to Deno's module graph, so that no hook reads chunks
    // it does not run (a literal specifier would make Deno read and analyse them all at start).
    for (const name of all) {
      const literal = Deno.readTextFileSync(`${result.out}/bin/${name}`)
        .match(/\bimport\(\s*["'][^"']+["']\s*\)/);
      ok(literal === null, `${name} imports a chunk by a literal specifier: ${literal?.[0]}`);
    }
    // Nor does any hook load `node:module` (about 20 ms) before it needs CommonJS: only the
    // chunks of client-node and of the YAML parser may load it.
    const text = (name: string) => Deno.readTextFileSync(`${result.out}/bin/${name}`);
    const commonJs = all.filter((name) =>
      isClientNode(`${result.out}/bin/${name}`) || text(name).includes("YAMLParseError")
    );
    ok(commonJs.length === 2, `client-node and YAML chunks: ${commonJs.join(", ")}`);
    // The bundler's interop chunk (a few lines around createRequire) is what loads it.
    const interop = all.filter((name) =>
      text(name).includes('"node:module"') && text(name).length < 4096
    );
    for (const root of all.filter((name) => ![...commonJs, ...interop].includes(name))) {
      for (const name of staticClosure(`${result.out}/bin`, root)) {
        ok(!text(name).includes('"node:module"'), `${root} loads node:module through ${name}`);
      }
    }
    // Nor does the charm's own code set up ICU: the first `localeCompare` or `Intl` call in a
    // process costs a hook 3.5 MiB (BENCHMARKS.md), and a hook with a requirer of two units
    // sorted its unit names with it.
    for (const name of all.filter((name) => !commonJs.includes(name))) {
      const icu = text(name).match(/\.localeCompare\(|\bIntl\.|\.toLocale[A-Za-z]*\(/);
      ok(icu === null, `${name} calls ${icu?.[0]}`);
    }
  } finally {
    await Deno.remove(result.out, { recursive: true });
  }
});

Deno.test("DENORT_BIN naming a runtime selects deno compile and yields one executable", async () => {
  // The Deno CLI binary stands in for denort: compile accepts it as a base binary, which is all
  // this test checks (the form chosen and the output); the real runtime cannot be had here.
  const result = await build([], { DENORT_BIN: Deno.execPath() });
  try {
    strictEqual(result.code, 0, result.stderr);
    ok(result.stdout.includes("built the compiled form"), result.stdout);
    ok(result.stdout.includes(`DENORT_BIN=${Deno.execPath()}`), result.stdout);
    const executable = `${result.out}/bin/gateway-api-integrator`;
    strictEqual((await Deno.stat(executable)).mode! & 0o777, 0o755);
    const magic = await header(executable, 4);
    strictEqual(String.fromCharCode(...magic.slice(1)), "ELF");
    const entries = [...Deno.readDirSync(`${result.out}/bin`)].map((entry) => entry.name);
    strictEqual(entries.join(","), "gateway-api-integrator");
    // The verbatim files of charm/, the launcher among them, come along.
    strictEqual(
      await Deno.readTextFile(`${result.out}/dispatch`),
      await Deno.readTextFile(`${ROOT}charm/dispatch`),
    );
    ok((await Deno.stat(`${result.out}/LICENSE`)).isFile);
  } finally {
    await Deno.remove(result.out, { recursive: true });
  }
});

Deno.test("dispatch runs the compiled executable when there is one, else the bundle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gai-dispatch-" });
  try {
    await Deno.mkdir(`${dir}/bin`);
    await Deno.copyFile(`${ROOT}charm/dispatch`, `${dir}/dispatch`);
    await Deno.chmod(`${dir}/dispatch`, 0o755);
    // Stand-ins that say which one ran and with what.
    await Deno.writeTextFile(`${dir}/bin/deno`, '#!/bin/sh\necho "bundle: $*"\n', { mode: 0o755 });
    const run = async () =>
      new TextDecoder().decode(
        (await new Deno.Command(`${dir}/dispatch`, { stdout: "piped", env: { TMPDIR: dir } })
          .output()).stdout,
      );
    const bundled = await run();
    ok(bundled.startsWith("bundle: run --quiet"), bundled);
    // The same V8 flags as the compiled form.
    const { V8_FLAGS } = await import("../build.ts");
    ok(bundled.includes(` --v8-flags=${V8_FLAGS} `), bundled);
    ok(bundled.trim().endsWith(`${dir}/bin/gateway-api-integrator.js`), bundled);
    await Deno.writeTextFile(`${dir}/bin/gateway-api-integrator`, "#!/bin/sh\necho compiled\n", {
      mode: 0o755,
    });
    strictEqual((await run()).trim(), "compiled");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DENORT_BIN naming a missing file is an error, not a silent fallback", async () => {
  const result = await build([], { DENORT_BIN: "/nonexistent/denort" });
  await Deno.remove(result.out, { recursive: true });
  strictEqual(result.code, 1);
  ok(
    result.stderr.includes("DENORT_BIN names /nonexistent/denort, which does not exist"),
    result.stderr,
  );
});

Deno.test("the bundle form for another architecture ships that architecture's Deno from npm", async () => {
  const other = Deno.build.arch === "aarch64" ? "amd64" : "arm64";
  const result = await build(["--form", "bundle", "--target", other]);
  try {
    strictEqual(result.code, 0, result.stderr);
    const pkg = other === "arm64" ? "linux-arm64-glibc" : "linux-x64-glibc";
    ok(result.stdout.includes(`from npm:@deno/${pkg}`), result.stdout);
    const magic = await header(`${result.out}/bin/deno`, 20);
    const machine = new DataView(magic.buffer).getUint16(18, true);
    strictEqual(machine, other === "arm64" ? 183 : 62);
  } finally {
    await Deno.remove(result.out, { recursive: true });
  }
});

Deno.test("unknown options and targets are rejected with a usage message", async () => {
  for (const args of [["--target", "mips"], ["--form", "jar"], ["--frobnicate", "1"]]) {
    const result = await build(args);
    await Deno.remove(result.out, { recursive: true });
    strictEqual(result.code, 1, args.join(" "));
    ok(result.stderr.startsWith("build.ts: "), result.stderr);
  }
});
