// Runs the wasm decoder off the page's thread. Messages in:
//   { type: "inspect", name, bytes }              → { type: "info", info } | { type: "error", message }
//   { type: "decompress", name, bytes, model }    → { type: "progress", done, total, seconds }…
//                                                   then { type: "done", bytes, seconds } | { type: "error", message }
import init, { inspect, decompress } from "./pkg/boa_web.js";

const ready = init();

self.onmessage = async (event) => {
  const message = event.data;
  try {
    await ready;
    if (message.type === "inspect") {
      self.postMessage({ type: "info", info: inspect(message.name, message.bytes) });
    } else if (message.type === "decompress") {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      const progress = (done, total) =>
        self.postMessage({ type: "progress", done, total, seconds: seconds() });
      const out = decompress(message.name, message.bytes, message.model ?? undefined, progress);
      self.postMessage({ type: "done", bytes: out, seconds: seconds() }, [out.buffer]);
    }
  } catch (error) {
    self.postMessage({ type: "error", message: String(error?.message ?? error) });
  }
};
