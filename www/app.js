// The page: pick a .boa file (and its model if it does not embed one), show its header,
// decompress it in a worker with progress and throughput, offer the result for download.

const $ = (id) => document.getElementById(id);
const workerUrl = new URL(`./worker.js${location.search}`, import.meta.url);
const workers = [];
// One worker per core, at most 8; `?workers=N` sets the number (for measurements).
const maxWorkers = Number(new URLSearchParams(location.search).get("workers"))
  || Math.min(navigator.hardwareConcurrency || 1, 8);
let current = null; // { name, bytes, info, model }

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

function ask(worker, message, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
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
  });
}

// Decodes the file's chunks in `count` workers, each a contiguous range; the parts come
// back in order and are joined.
async function decodeInWorkers(count, model, started) {
  const chunks = current.info.chunks.length;
  const total = current.info.originalBytes;
  const done = new Array(count).fill(0);
  const parts = await Promise.all(Array.from({ length: count }, (_, k) => {
    const first = Math.floor((k * chunks) / count);
    const end = Math.floor(((k + 1) * chunks) / count);
    const message = { type: "decompress", name: current.name, bytes: current.bytes, model, first, end };
    return ask(workerAt(k), message, (reply) => {
      done[k] = reply.done;
      const sum = done.reduce((a, b) => a + b, 0);
      showProgress({ done: sum, total, seconds: (performance.now() - started) / 1000 });
    }).then((reply) => reply.bytes);
  }));
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// Workers for a file: one per core, at most one per chunk.
const workersFor = (info) => Math.max(1, Math.min(maxWorkers, info.chunks.length));

function ratioText(info) {
  const ratio = (bytes) => (info.originalBytes / Math.max(bytes, 1)).toFixed(2);
  if (info.embeddedModelBytes === null) return ratio(info.fileBytes);
  return `${ratio(info.fileBytes)} (${ratio(info.fileBytes - info.embeddedModelBytes)} without the embedded model)`;
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
    ["format", `.boa version ${info.version}; header, index and footer checksums ok`],
    ["decoder", info.engine],
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
  current = { name: file.name, bytes, info: null, model: current?.model ?? null };
  try {
    const { info } = await ask(workerAt(0), { type: "inspect", name: file.name, bytes });
    current.info = info;
    showInfo(file.name, info);
    // Start the workers now, so that their decoders are compiled before the click.
    for (let k = 0; k < workersFor(info); k++) workerAt(k);
  } catch (error) {
    showError(error.message);
  }
}

async function pickModel(file) {
  clearError();
  if (!current) return;
  current.model = new Uint8Array(await file.arrayBuffer());
  $("decompress").disabled = false;
}

async function run() {
  clearError();
  $("decompress").disabled = true;
  $("progress-section").hidden = false;
  $("result").hidden = true;
  $("progress").value = 0;
  $("status").textContent = "starting…";
  try {
    const model = current.info.embeddedModelBytes === null ? current.model : null;
    const count = workersFor(current.info);
    const started = performance.now();
    const bytes = await decodeInWorkers(count, model, started);
    const seconds = (performance.now() - started) / 1000;
    $("progress").value = 1;
    $("status").textContent =
      `Done: ${number(bytes.length)} bytes in ${seconds.toFixed(2)} s ` +
      `(${rate(bytes.length, seconds)}, ${count} worker${count > 1 ? "s" : ""}); ` +
      `${current.info.chunks.length} chunk checksums and the index verified.`;
    const link = $("download");
    URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
    link.download = outputName(current.name);
    link.textContent = `Download ${link.download}`;
    $("result").hidden = false;
  } catch (error) {
    $("status").textContent = "failed";
    showError(error.message);
  } finally {
    $("decompress").disabled = false;
  }
}

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
