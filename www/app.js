// The page: pick a .boa file (and its model if it does not embed one), show its header,
// decompress it with progress and throughput, offer the result for download; or compress
// any file into a .boa file. On WebGPU where the browser has it (and the worker's
// self-test passes), else with the CPU engine in one worker per core.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const workerUrl = new URL(`./worker.js${location.search}`, import.meta.url);
const workers = [];
// One worker per core, at most 8; `?workers=N` sets the number (for measurements).
const maxWorkers = Number(params.get("workers")) || Math.min(navigator.hardwareConcurrency || 1, 8);
// `?backend=cpu|gpu` forces one (for measurements and tests); by default WebGPU where it works.
const forcedBackend = params.get("backend");
// The picked file: { key, name, bytes, info, model, opened }; `opened[k]` resolves once
// CPU worker k has opened it (checked it and loaded its model) for the decompress calls.
let current = null;
let keys = 0;
let gpuWorker = null;

// The GPU's worker: one for the whole file (the GPU is parallel over chunks itself).
function gpuWorkerNow() {
  gpuWorker ??= new Worker(workerUrl, { type: "module" });
  return gpuWorker;
}

// What WebGPU offers: { adapter } once its worker has opened a device, else { error }.
const gpuReady = (async () => {
  if (forcedBackend === "cpu") return { error: "the CPU engine was asked for (?backend=cpu)" };
  if (!navigator.gpu) return { error: "WebGPU unavailable: this browser has no navigator.gpu" };
  try {
    const { adapter } = await ask(gpuWorkerNow(), { type: "probe" });
    // A software adapter (SwiftShader) runs on the CPU, far slower than the CPU engine:
    // used only when asked for.
    if (forcedBackend !== "gpu" && adapter.includes("(software")) {
      return { error: `${adapter} is a software GPU, slower than the CPU engine; ?backend=gpu uses it` };
    }
    return { adapter };
  } catch (error) {
    return { error: error.message };
  }
})();

// Worker `i`, started on first use (one per core at most: chunks decode independently).
function workerAt(i) {
  while (workers.length <= i) workers.push(new Worker(workerUrl, { type: "module" }));
  return workers[i];
}

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker.register("sw.js").catch(() => {});
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

const number = (n) => n.toLocaleString("en-US");
const rate = (bytes, seconds) => `${(bytes / 1000 / Math.max(seconds, 1e-6)).toFixed(1)} KB/s`;
const outputName = (name) => (name.endsWith(".boa") && name.length > 4 ? name.slice(0, -4) : `${name}.out`);

// Sends `message` to `worker` once its earlier messages are answered; resolves to the reply.
function ask(worker, message, onProgress = () => {}) {
  const asked = (worker.queue ?? Promise.resolve()).then(() => new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      const reply = event.data;
      if (reply.type === "progress") {
        onProgress(reply);
      } else if (reply.type === "error") {
        reject(new Error(reply.message));
      } else {
        resolve(reply);
      }
    };
    worker.postMessage(message);
  }));
  worker.queue = asked.catch(() => {});
  return asked;
}

// The model that decodes the current file: null when it embeds one.
const decodingModel = () => (current.info.embeddedModelBytes === null ? current.model : null);

// CPU worker k with the current file open (sent once per file and model: a copy each).
function openIn(k) {
  const { key, name, bytes } = current;
  current.opened[k] ??= ask(workerAt(k), { type: "open", key, name, bytes, model: decodingModel() });
  return current.opened[k];
}

// Opens the current file in the CPU workers ahead of the click, where they will decode it
// (no WebGPU) and its model is at hand; failures show when decoding.
async function openAhead() {
  const file = current;
  if ((await gpuReady).adapter || file !== current || !file.info) return;
  if (file.info.embeddedModelBytes === null && !file.model) return;
  for (let k = 0; k < workersFor(file.info); k++) openIn(k).catch(() => {});
}

// Decodes the file's chunks in `count` workers, each a contiguous range; the parts come
// back in order and are joined.
async function decodeInWorkers(count, started) {
  const chunks = current.info.chunks.length;
  const total = current.info.originalBytes;
  const done = new Array(count).fill(0);
  const parts = await Promise.all(Array.from({ length: count }, (_, k) => {
    const first = Math.floor((k * chunks) / count);
    const end = Math.floor(((k + 1) * chunks) / count);
    const message = { type: "decompress", key: current.key, first, end };
    return openIn(k).then(() => ask(workerAt(k), message, (reply) => {
      done[k] = reply.done;
      const sum = done.reduce((a, b) => a + b, 0);
      showProgress({ done: sum, total, seconds: (performance.now() - started) / 1000 });
    }));
  }));
  // For the throughput bench: each worker's milliseconds opening the file and decoding.
  globalThis.boaLastRun = { workers: count, busyMs: parts.map((p) => p.busyMs),
    openMs: await Promise.all(current.opened.slice(0, count).map(async (o) => (await o).ms)) };
  const out = new Uint8Array(parts.reduce((n, { bytes }) => n + bytes.length, 0));
  let at = 0;
  for (const { bytes } of parts) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

// Decodes the file on WebGPU where it works, else (or when the GPU turns out unusable,
// unless ?backend=gpu) on the CPU in workers. Resolves to { bytes, backend, note }.
async function decode(model, started) {
  const total = current.info.originalBytes;
  const progress = ({ done }) =>
    showProgress({ done, total, seconds: (performance.now() - started) / 1000 });
  const onGpu = async () => {
    const message = { type: "decompress", name: current.name, bytes: current.bytes, model,
      first: 0, end: current.info.chunks.length, backend: "gpu" };
    const reply = await ask(gpuWorkerNow(), message, progress);
    const note = reply.cpuChunks > 0 ? `${reply.cpuChunks} chunks on the CPU: ${reply.note}` : null;
    return { bytes: reply.bytes, backend: reply.backend, note };
  };
  const onCpu = async () => {
    const count = workersFor(current.info);
    const bytes = await decodeInWorkers(count, started);
    return { bytes, backend: `${current.info.engine}, ${count} worker${count > 1 ? "s" : ""}`, note: null };
  };
  const [reply, fallback] = await onGpuOrCpu(onGpu, onCpu);
  return { ...reply, note: reply.note ?? fallback };
}

// Workers for a file: one per core, at most one per chunk.
const workersFor = (info) => Math.max(1, Math.min(maxWorkers, info.chunks.length));

function ratioText(info) {
  const ratio = (bytes) => (info.originalBytes / Math.max(bytes, 1)).toFixed(2);
  if (info.embeddedModelBytes === null) return ratio(info.fileBytes);
  return `${ratio(info.fileBytes)} (${ratio(info.fileBytes - info.embeddedModelBytes)} without the embedded model)`;
}

// The decoder line: WebGPU with the CPU engine as fallback, or the CPU engine and why.
function decoderText(info, gpu) {
  if (gpu.adapter) return `${gpu.adapter}, with the ${info.engine} as fallback`;
  return forcedBackend === "cpu" ? info.engine : `${info.engine} (${gpu.error})`;
}

function showInfo(name, info) {
  const rows = [
    ["file", `${name} (${number(info.fileBytes)} bytes)`],
    ["decompresses to", `${outputName(name)} (${number(info.originalBytes)} bytes)`],
    ["ratio", ratioText(info)],
    ["chunks", `${number(info.chunks.length)} of ${number(info.chunkLen)} bytes${info.storedChunks
      ? `, ${number(info.storedChunks)} stored as they are (the model does not predict them)` : ""}`],
    ["model", `${info.fingerprint.slice(0, 16)}… ${info.embeddedModelBytes === null
      ? "(not embedded)" : `(embedded, ${number(info.embeddedModelBytes)} bytes)`}`],
    ["format", `.boa version ${info.version}${info.mixing ? ", coded with context mixing" : ""}; header, index and footer checksums ok`],
    ["decoder", info.decoder],
  ];
  $("info").replaceChildren(...rows.flatMap(([key, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = key;
    const dd = document.createElement("dd");
    dd.textContent = value;
    return [dt, dd];
  }));
  $("info-section").hidden = false;
  $("model-row").hidden = info.embeddedModelBytes !== null;
  $("decompress").disabled = info.embeddedModelBytes === null && !current.model;
}

// Offers `bytes` for download as `name` through the link `#id`.
function offerDownload(id, bytes, name) {
  const link = $(id);
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  link.download = name;
  link.textContent = `Download ${name}`;
}

// Runs `onGpu()` where WebGPU works, else — or when the GPU turns out unusable, unless
// ?backend=gpu — `onCpu()`. Resolves to [the reply, why the CPU was used or null].
async function onGpuOrCpu(onGpu, onCpu) {
  const gpu = await gpuReady;
  if (gpu.adapter) {
    try {
      return [await onGpu(), null];
    } catch (error) {
      if (forcedBackend === "gpu" || !error.message.startsWith("WebGPU unavailable")) throw error;
      return [await onCpu(), error.message];
    }
  }
  if (forcedBackend === "gpu") throw new Error(gpu.error);
  return [await onCpu(), null];
}

function showProgress({ done, total, seconds }) {
  $("progress").value = total > 0 ? done / total : 1;
  $("status").textContent =
    `${number(done)} of ${number(total)} bytes, ${rate(done, seconds)}`;
}

async function pickBoa(file) {
  clearError();
  $("info-section").hidden = true;
  $("progress-section").hidden = true;
  $("result").hidden = true;
  const bytes = new Uint8Array(await file.arrayBuffer());
  current = { key: ++keys, name: file.name, bytes, info: null, model: current?.model ?? null, opened: [] };
  try {
    const { info } = await ask(workerAt(0), { type: "inspect", name: file.name, bytes });
    info.decoder = decoderText(info, await gpuReady);
    current.info = info;
    showInfo(file.name, info);
    // Start the workers now, so that their decoders are compiled (and the file opened)
    // before the click.
    for (let k = 0; k < workersFor(info); k++) workerAt(k);
    openAhead();
  } catch (error) {
    showError(error.message);
  }
}

async function pickModel(file) {
  clearError();
  if (!current) return;
  current.model = new Uint8Array(await file.arrayBuffer());
  Object.assign(current, { key: ++keys, opened: [] });
  $("decompress").disabled = false;
  openAhead();
}

async function run() {
  clearError();
  $("decompress").disabled = true;
  $("progress-section").hidden = false;
  $("result").hidden = true;
  $("progress").value = 0;
  $("status").textContent = "starting…";
  try {
    const model = decodingModel();
    const started = performance.now();
    const { bytes, backend, note } = await decode(model, started);
    const seconds = (performance.now() - started) / 1000;
    $("progress").value = 1;
    $("status").textContent =
      `Done: ${number(bytes.length)} bytes in ${seconds.toFixed(2)} s ` +
      `(${rate(bytes.length, seconds)}, ${backend}); ` +
      `${current.info.chunks.length} chunk checksums and the index verified.${note ? ` ${note}` : ""}`;
    offerDownload("download", bytes, outputName(current.name));
    $("result").hidden = false;
  } catch (error) {
    $("status").textContent = "failed";
    showError(error.message);
  } finally {
    $("decompress").disabled = false;
  }
}

// --- Compression: any file → .boa, with the bundled default model or a .boam.

let plain = null; // { name, bytes }
let compressModel = null; // a chosen .boam's bytes

async function bundledModel() {
  const response = await fetch("pkg/default.boam");
  if (!response.ok) throw new Error(`cannot load the bundled model (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

function compressReady() {
  const useFile = $("model-choice-file").checked;
  $("compress").disabled = !plain || (useFile && !compressModel);
}

async function compressFile() {
  $("compress-error").hidden = true;
  $("compress").disabled = true;
  $("compress-result").hidden = true;
  $("compress-progress-row").hidden = false;
  $("compress-progress").value = 0;
  $("compress-status").textContent = "starting…";
  try {
    const model = $("model-choice-file").checked ? compressModel : await bundledModel();
    const chunkLen = Number($("chunk-len").value) || 0;
    const embed = $("embed").checked;
    const mixing = $("mixing").checked;
    const total = plain.bytes.length;
    const started = performance.now();
    const progress = ({ done }) => {
      $("compress-progress").value = total > 0 ? done / total : 1;
      $("compress-status").textContent =
        `${number(done)} of ${number(total)} bytes, ${rate(done, (performance.now() - started) / 1000)}`;
    };
    // The input is copied: a transfer would take it from the page.
    const message = (backend) => ({
      type: "compress", input: plain.bytes.slice(), model, chunkLen, embed, mixing, backend,
    });
    const [reply, fallback] = await onGpuOrCpu(
      () => ask(gpuWorkerNow(), message("gpu"), progress),
      () => ask(workerAt(0), message("cpu"), progress));
    const note = [fallback, reply.note].filter(Boolean).map((n) => ` ${n}.`).join("");
    const seconds = (performance.now() - started) / 1000;
    const ratioOf = (bytes) => (total / Math.max(bytes, 1)).toFixed(2);
    const ratio = embed
      ? `${ratioOf(reply.bytes.length)}; ${ratioOf(reply.bytes.length - model.length)} without the embedded model`
      : ratioOf(reply.bytes.length);
    $("compress-progress").value = 1;
    $("compress-status").textContent =
      `Done: ${number(total)} → ${number(reply.bytes.length)} bytes (ratio ${ratio}) in ` +
      `${seconds.toFixed(2)} s (${rate(total, seconds)}, ${reply.backend}).${note}`;
    offerDownload("compress-download", reply.bytes, `${plain.name}.boa`);
    $("compress-result").hidden = false;
  } catch (error) {
    $("compress-status").textContent = "failed";
    $("compress-error").textContent = error.message;
    $("compress-error").hidden = false;
  } finally {
    compressReady();
  }
}

$("plain-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  plain = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  compressReady();
});
$("compress-model-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  compressModel = file ? new Uint8Array(await file.arrayBuffer()) : null;
  $("model-choice-file").checked = true;
  compressReady();
});
for (const id of ["model-choice-default", "model-choice-file"]) $(id).addEventListener("change", compressReady);
$("compress").addEventListener("click", compressFile);

$("boa-file").addEventListener("change", (e) => e.target.files[0] && pickBoa(e.target.files[0]));
$("model-file").addEventListener("change", (e) => e.target.files[0] && pickModel(e.target.files[0]));
$("decompress").addEventListener("click", run);
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const file = e.dataTransfer.files[0];
  if (file) pickBoa(file);
});
