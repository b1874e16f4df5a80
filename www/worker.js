// Runs the wasm decoder off the page's thread (the page starts one per core and gives
// each a range of chunks). Messages in:
//   { type: "inspect", name, bytes }           → { type: "info", info } | { type: "error", message }
//   { type: "decompress", name, bytes, model, first, end }
//                                              → { type: "progress", done, total }…
//                                                then { type: "done", bytes } | { type: "error", message }

// A minimal module using a SIMD instruction: valid only where WebAssembly SIMD128 is.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3,
  2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
// `?wasm=plain` (passed on from the page's address) forces the fallback, for tests.
const forced = new URL(self.location.href).searchParams.get("wasm");
const flavour = forced === "plain" || !WebAssembly.validate(SIMD_PROBE) ? "plain" : "simd";

let inspect, decompressChunks;
const ready = import(`./pkg/${flavour}/boa_web.js`).then(async (module) => {
  await module.default();
  ({ inspect, decompressChunks } = module);
});

self.onmessage = async (event) => {
  const message = event.data;
  try {
    await ready;
    if (message.type === "inspect") {
      const info = inspect(message.name, message.bytes);
      info.engine = `CPU engine, WebAssembly (${flavour === "simd" ? "SIMD128" : "no SIMD"})`;
      self.postMessage({ type: "info", info });
    } else if (message.type === "decompress") {
      const progress = (done, total) => self.postMessage({ type: "progress", done, total });
      const { name, bytes, model, first, end } = message;
      const out = decompressChunks(name, bytes, model ?? undefined, first, end, progress);
      self.postMessage({ type: "done", bytes: out }, [out.buffer]);
    }
  } catch (error) {
    self.postMessage({ type: "error", message: String(error?.message ?? error) });
  }
};
