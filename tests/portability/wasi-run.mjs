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
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
