// Runs the wasm coder off the page's thread. The CPU engine decodes in one worker per
// core, each given a range of chunks of a file it opened once (when the file was picked);
// the GPU (WebGPU, the shaders the native CLI runs) decodes or encodes a whole file in one
// worker. Messages in:
//   { type: "inspect", name, bytes }           → { type: "info", info } | { type: "error", message }
//   { type: "probe" }                          → { type: "adapter", adapter } | { type: "error", message }
//   { type: "open", key, name, bytes, model }  → { type: "opened", ms }: the file checked and its
//                                                model loaded, kept for the decompress calls with `key`
//   { type: "decompress", key, first, end }    → { type: "progress", done, total }…
//                                                then { type: "done", bytes, backend, cpuChunks, note, busyMs }
//   { type: "decompress", name, bytes, model, first, end, backend: "gpu" } → as above
//   { type: "compress", input, model, chunkLen, embed, backend }
//                                              → progress…, then { type: "done", bytes, backend, … }
// Errors: { type: "error", message }; a message starting "WebGPU unavailable: " means the
// GPU could not be used at all (the page may retry on the CPU). `busyMs`: milliseconds the
// worker spent decoding (for the throughput bench).

// A minimal module using a SIMD instruction: valid only where WebAssembly SIMD128 is.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3,
  2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
// `?wasm=plain` (passed on from the page's address) forces the fallback, for tests.
const forced = new URL(self.location.href).searchParams.get("wasm");
const flavour = forced === "plain" || !WebAssembly.validate(SIMD_PROBE) ? "plain" : "simd";
const cpuEngine = `CPU engine, WebAssembly (${flavour === "simd" ? "SIMD128" : "no SIMD"})`;

let wasm;
const ready = import(`./pkg/${flavour}/boa_web.js`).then(async (module) => {
  await module.default();
  wasm = module;
});

// The file this worker opened: { key, decoder } (a wasm Decoder; one file at a time).
let opened = null;

function open({ key, name, bytes, model }) {
  opened?.decoder.free();
  opened = null;
  opened = { key, decoder: new wasm.Decoder(name, bytes, model ?? undefined) };
}

async function decompress({ key, name, bytes, model, first, end, backend }, progress) {
  if (backend === "gpu") {
    const result = await wasm.decompressGpu(name, bytes, model ?? undefined, first, end, progress);
    return { ...result, backend: `${result.backend}, CPU engine as fallback` };
  }
  if (opened?.key !== key) throw new Error("this worker has not opened the file (send open first)");
  const out = opened.decoder.decompressChunks(first, end, progress);
  return { bytes: out, backend: cpuEngine, cpuChunks: end - first, note: null };
}

async function compress({ input, model, chunkLen, embed, mixing, backend }, progress) {
  if (backend === "gpu") {
    const result = await wasm.compressGpu(input, model, chunkLen, embed, progress, undefined, mixing);
    return { ...result, backend: `${result.backend}, CPU engine as fallback` };
  }
  const out = wasm.compress(input, model, chunkLen, embed, undefined, mixing);
  return { bytes: out, backend: cpuEngine, note: null };
}

self.onmessage = async (event) => {
  const message = event.data;
  const progress = (done, total) => self.postMessage({ type: "progress", done, total });
  try {
    await ready;
    if (message.type === "inspect") {
      const info = wasm.inspect(message.name, message.bytes);
      info.engine = cpuEngine;
      self.postMessage({ type: "info", info });
    } else if (message.type === "probe") {
      if (!self.navigator.gpu) throw new Error("WebGPU unavailable: this browser has no navigator.gpu");
      // The browser's own description, where it gives wgpu no name (e.g. "google swiftshader").
      const info = (await self.navigator.gpu.requestAdapter())?.info;
      const hint = [info?.vendor, info?.architecture, info?.device].filter(Boolean).join(" ");
      self.postMessage({ type: "adapter", adapter: await wasm.gpuAdapter(hint || undefined), cpuEngine });
    } else if (message.type === "open") {
      const started = performance.now();
      open(message);
      self.postMessage({ type: "opened", ms: performance.now() - started });
    } else if (message.type === "decompress" || message.type === "compress") {
      const run = message.type === "decompress" ? decompress : compress;
      const started = performance.now();
      const result = await run(message, progress);
      const busyMs = performance.now() - started;
      self.postMessage({ type: "done", ...result, busyMs }, [result.bytes.buffer]);
    }
  } catch (error) {
    self.postMessage({ type: "error", message: String(error?.message ?? error) });
  }
};
