// Runs the agent built for wasm32-wasip1 in Node's WASI (the CPU engine as WebAssembly,
// outside a browser), with the whole file system visible under the same paths:
//   node --no-warnings tests/portability/wasi-run.mjs AGENT.wasm ARGS...
import { WASI } from "node:wasi";
import { readFile } from "node:fs/promises";

const [wasmPath, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: "preview1",
  args: ["boa-matrix-agent", ...args],
  env: {},
  preopens: { "/": "/" },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, callThroughJavaScript(wasi.getImportObject()));
process.exitCode = wasi.start(instance);

/// Node 20-22 let wasm call WASI's C++ functions as V8 "fast API calls"; once the module's
/// memory has grown (the agent's context-mixing cases take it to ~33 MB) that path can
/// corrupt the JavaScript heap and Node dies by SIGSEGV after the agent's work
/// (nodejs/node#53087). A JavaScript function in between takes the ordinary call path:
/// one extra call per system call, nothing the matrix can measure.
function callThroughJavaScript(importObject) {
  const wrapped = {};
  for (const [moduleName, functions] of Object.entries(importObject)) {
    wrapped[moduleName] = Object.fromEntries(
      Object.entries(functions).map(([name, f]) => [name, (...a) => f(...a)]),
    );
  }
  return wrapped;
}
