// The portability matrix's driver: every backend writes the .boa file of every case
// (producers), every backend decodes every distinct file any producer wrote (decoders),
// and every backend reproduces the golden frequency-table digest. Prints the producers ×
// decoders table (Markdown), writes it as JSON, and ends with the line
// `matrix: N cells, M mismatches`; exits 1 on any mismatch.
//
//   node tests/portability/matrix.mjs --work DIR --agents AGENTS.json [--no-browser]
//     [--only id,id] [--json FILE] [--markdown FILE]
//
// DIR/cases/ is what `boa-matrix-agent inputs` wrote. AGENTS.json lists the command-line
// backends, `[{ "id", "name", "cmd": [...] }]`, the first being the reference producer;
// `tests/portability/run-matrix` builds them and writes it. The browser backends (the
// page's wasm, SIMD128 and plain, and WebGPU) run in headless Chromium through www/'s
// test harness and need web/build-www.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const work = resolve(option("--work", join(root, "target", "portability")));
const agentsFile = option("--agents", join(work, "agents.json"));
const only = option("--only", null)?.split(",");
const withBrowser = !args.includes("--no-browser");
const goldenTables = readFileSync(join(root, "tests/golden/engine-tables.blake3"), "utf8").trim();
const HASHED_TABLES = 300;

const cases = readFileSync(join(work, "cases", "cases.tsv"), "utf8").trim().split("\n")
  .map((line) => {
    const [id, input, model, chunkLen, embed, store, mixing] = line.split("\t");
    return {
      id, input, model, chunkLen: Number(chunkLen),
      embed: embed === "1", store: store === "1", mixing: mixing === "1",
    };
  });
const inputs = new Map(cases.map((c) => [c.id, readFileSync(join(work, "cases", c.input))]));

const browserBackends = [
  { id: "chromium-simd128", name: "wasm SIMD128 in Chromium", browser: { pkg: "simd", gpu: false } },
  { id: "chromium-plain", name: "wasm (no SIMD) in Chromium", browser: { pkg: "plain", gpu: false } },
  { id: "chromium-webgpu", name: "WebGPU in Chromium (SwiftShader)", browser: { pkg: "simd", gpu: true } },
];
let backends = JSON.parse(readFileSync(agentsFile, "utf8"));
if (withBrowser) backends.push(...browserBackends);
if (only) backends = backends.filter((b) => only.includes(b.id) || b === backends[0]);

const log = (line) => process.stderr.write(`${line}\n`);
const digest = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Runs a command-line backend's agent; throws with its output when it fails. */
function runAgent(backend, agentArgs) {
  const [cmd, ...rest] = backend.cmd;
  const run = spawnSync(cmd, [...rest, ...agentArgs], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status !== 0) {
    throw new Error(`${backend.id}: ${agentArgs[0]} failed (${run.error ?? `exit ${run.status}`}): ${run.stderr}`);
  }
  return run.stdout.trim();
}

// --- the browser backends: the page's wasm build, in one headless Chromium -------------

let chromium;
async function browserPage() {
  if (!chromium) {
    const { serveWww, launchChromium } = await import(join(root, "www/tests/harness.mjs"));
    const { server, base } = await serveWww();
    chromium = { server, base, browser: await launchChromium() };
  }
  const page = await chromium.browser.newPage();
  page.on("pageerror", (e) => log(`page error: ${e.message}`));
  // /matrix/… is the work folder: GET reads a file, POST writes one (under produced/ or
  // decoded/ only); blank.html is a secure-context page to run the wasm in.
  await page.route("**/matrix/**", async (route) => {
    const request = route.request();
    const path = decodeURIComponent(new URL(request.url()).pathname.replace(/^\/matrix\//, ""));
    if (path === "blank.html") {
      return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>matrix</title>" });
    }
    const file = resolve(work, path);
    if (!file.startsWith(work + "/")) return route.fulfill({ status: 403 });
    if (request.method() === "POST") {
      if (!/^(produced|decoded)\//.test(path)) return route.fulfill({ status: 403 });
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, request.postDataBuffer() ?? Buffer.alloc(0));
      return route.fulfill({ status: 204 });
    }
    if (!existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ body: readFileSync(file), contentType: "application/octet-stream" });
  });
  await page.goto(`${chromium.base}matrix/blank.html`);
  return page;
}

/** In the page: produces or decodes with the wasm build `pkg` (on WebGPU when `gpu`). */
async function inPage({ pkg, gpu, mode, cases, jobs, out }) {
  const wasm = await import(`/pkg/${pkg}/boa_web.js`);
  await wasm.default();
  const get = async (path) => {
    const response = await fetch(`/matrix/${path}`);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const put = (path, body) => fetch(`/matrix/${path}`, { method: "POST", body });
  const notes = [];
  const models = new Map();
  const model = async (path) => {
    if (!models.has(path)) models.set(path, await get(path));
    return models.get(path);
  };
  if (mode === "produce") {
    for (const c of cases) {
      const input = await get(`cases/${c.input}`);
      const boam = await model(`cases/${c.model}`);
      try {
        let bytes;
        if (gpu) {
          const r = await wasm.compressGpu(input, boam, c.chunkLen, c.embed, undefined, c.store, c.mixing);
          if (r.cpuChunks > 0) notes.push({ case: c.id, why: `the GPU left ${r.cpuChunks} chunks to the CPU (${r.note})` });
          bytes = r.bytes;
        } else {
          bytes = wasm.compress(input, boam, c.chunkLen, c.embed, c.store, c.mixing);
        }
        await put(`${out}/${c.id}.boa`, bytes);
      } catch (e) {
        await put(`${out}/${c.id}.err`, String(e.message ?? e));
      }
    }
    const golden = await model("cases/models/golden.boam");
    const tablesInput = await get("cases/tables-input.bin");
    let lines = "";
    if (gpu) {
      for (const window of [1, 13, 300]) {
        const [hex, count] = (await wasm.gpuTablesDigest(golden, tablesInput, window)).split(" ");
        lines += `gpu-window-${window}\t${hex}\t${count}\n`;
      }
    } else {
      const [hex, count] = wasm.tablesDigest(golden, tablesInput).split(" ");
      lines += `cpu\t${hex}\t${count}\n`;
    }
    await put(`${out}/tables.txt`, lines);
  } else {
    for (const job of jobs) {
      const bytes = await get(job.boa);
      try {
        const info = wasm.inspect(job.boa, bytes);
        const boam = info.embeddedModelBytes ? undefined : await model(job.model);
        let restored;
        if (gpu) {
          const r = await wasm.decompressGpu(job.boa, bytes, boam, 0, info.chunks.length);
          if (r.cpuChunks > 0) notes.push({ boa: job.boa, why: `the GPU left ${r.cpuChunks} chunks to the CPU (${r.note})` });
          restored = r.bytes;
        } else {
          restored = wasm.decompress(job.boa, bytes, boam);
        }
        await put(job.out, restored);
      } catch (e) {
        await put(job.out.replace(/\.out$/, ".err"), String(e.message ?? e));
      }
    }
  }
  // The browser's own name for its adapter (wgpu gives none in browsers).
  const info = gpu ? (await navigator.gpu.requestAdapter())?.info : null;
  const hint = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") : null;
  return { notes, adapter: gpu ? await wasm.gpuAdapter(hint || undefined) : navigator.userAgent };
}

async function runInBrowser(backend, task) {
  const page = await browserPage();
  try {
    return await page.evaluate(inPage, { ...backend.browser, ...task });
  } finally {
    await page.close();
  }
}

// --- producing and decoding ------------------------------------------------------------

/** Every case's file from `backend` into produced/<id>/; the backend's description. */
async function produce(backend) {
  const out = join(work, "produced", backend.id);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  if (backend.browser) {
    const { notes, adapter } = await runInBrowser(backend, { mode: "produce", cases, out: `produced/${backend.id}` });
    return { about: adapter, notes };
  }
  runAgent(backend, ["produce", "--cases", join(work, "cases", "cases.tsv"), "--out", out]);
  return { about: runAgent(backend, ["info"]), notes: [] };
}

/** Decodes every job (each distinct file) with `backend` into decoded/<id>/. */
async function decode(backend, jobs) {
  const dir = join(work, "decoded", backend.id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (backend.browser) {
    const browserJobs = jobs.map((j) => ({ boa: j.boa, model: `cases/${j.model}`, out: `decoded/${backend.id}/${j.out}` }));
    return (await runInBrowser(backend, { mode: "decode", jobs: browserJobs })).notes;
  }
  const list = jobs.map((j) => `../../${j.boa}\t../../cases/${j.model}\t${j.out}`).join("\n");
  writeFileSync(join(dir, "jobs.tsv"), list ? `${list}\n` : "");
  runAgent(backend, ["decode", "--jobs", join(dir, "jobs.tsv")]);
  return [];
}

function firstDifference(got, want) {
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== want[i]) return `first differing byte at ${i} (0x${hex(got[i])}, not 0x${hex(want[i])})`;
  }
  return `lengths differ (${got.length} bytes, not ${want.length})`;
}
const hex = (b) => b.toString(16).padStart(2, "0");

function readResult(path) {
  if (existsSync(path)) return { bytes: readFileSync(path) };
  const err = path.replace(/\.(boa|out)$/, ".err");
  return { error: existsSync(err) ? readFileSync(err, "utf8") : "no output" };
}

// --- the run -----------------------------------------------------------------------------

const mismatches = [];
const rows = new Map(); // producer id → { identical, tables, decoders: Map<decoder id, failures> }
const about = {};
const notes = {};
const reference = backends[0];

for (const backend of backends) {
  log(`producing: ${backend.id}`);
  const started = Date.now();
  try {
    ({ about: about[backend.id], notes: notes[backend.id] } = await produce(backend));
  } catch (e) {
    about[backend.id] = `failed: ${e.message.split("\n")[0]}`;
    notes[backend.id] = [];
  }
  log(`  ${((Date.now() - started) / 1000).toFixed(1)} s: ${about[backend.id]}`);
}

// Distinct files per case, each decoded once per decoder.
const distinct = new Map(); // `${case}.${k}` → { case, producers: [] }
const fileOf = new Map(); // `${producer}/${case}` → distinct key
rmSync(join(work, "distinct"), { recursive: true, force: true });
mkdirSync(join(work, "distinct"), { recursive: true });
for (const c of cases) {
  const seen = new Map();
  for (const backend of backends) {
    const result = readResult(join(work, "produced", backend.id, `${c.id}.boa`));
    if (!result.bytes) continue;
    const sum = digest(result.bytes);
    if (!seen.has(sum)) {
      const key = `${c.id}.${seen.size}`;
      seen.set(sum, key);
      writeFileSync(join(work, "distinct", `${key}.boa`), result.bytes);
      distinct.set(key, { case: c, producers: [] });
    }
    distinct.get(seen.get(sum)).producers.push(backend.id);
    fileOf.set(`${backend.id}/${c.id}`, seen.get(sum));
  }
}
const jobs = [...distinct].map(([key, d]) => ({ boa: `distinct/${key}.boa`, model: d.case.model, out: `${key}.out` }));
log(`${distinct.size} distinct files of ${cases.length} cases`);

const decoded = new Map(); // decoder id → Map<distinct key, failure or null>
for (const backend of backends) {
  log(`decoding: ${backend.id}`);
  const started = Date.now();
  const results = new Map();
  try {
    const decodeNotes = await decode(backend, jobs);
    for (const [key, d] of distinct) {
      const got = readResult(join(work, "decoded", backend.id, `${key}.out`));
      const want = inputs.get(d.case.id);
      results.set(key, got.error ? `error: ${got.error.trim()}`
        : Buffer.compare(got.bytes, want) === 0 ? null : firstDifference(got.bytes, want));
    }
    // A GPU decoder must have decoded the chunks itself.
    for (const note of decodeNotes) results.set(note.boa.replace(/^distinct\/|\.boa$/g, ""), note.why);
  } catch (e) {
    for (const key of distinct.keys()) results.set(key, `decoder failed: ${e.message}`);
  }
  decoded.set(backend.id, results);
  log(`  ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

for (const producer of backends) {
  const row = { identical: [], tables: [], decoders: new Map() };
  for (const c of cases) {
    const mine = readResult(join(work, "produced", producer.id, `${c.id}.boa`));
    const theirs = readResult(join(work, "produced", reference.id, `${c.id}.boa`));
    let why = null;
    if (mine.error) why = `no file: ${mine.error.trim()}`;
    else if (theirs.error) why = `the reference wrote no file: ${theirs.error.trim()}`;
    else if (Buffer.compare(mine.bytes, theirs.bytes) !== 0) why = firstDifference(mine.bytes, theirs.bytes);
    // A GPU producer must have coded the chunks itself.
    why ??= notes[producer.id].find((n) => n.case === c.id)?.why ?? null;
    if (why) row.identical.push({ case: c.id, why });
  }
  const tablesFile = join(work, "produced", producer.id, "tables.txt");
  const tableLines = existsSync(tablesFile) ? readFileSync(tablesFile, "utf8").trim().split("\n") : [];
  if (tableLines.length === 0) row.tables.push({ schedule: "-", why: "no tables.txt" });
  for (const line of tableLines) {
    const [schedule, sum, count] = line.split("\t");
    if (sum !== goldenTables || Number(count) !== HASHED_TABLES) {
      row.tables.push({ schedule, why: `digest ${sum} of ${count} tables, not ${goldenTables} of ${HASHED_TABLES}` });
    }
  }
  if (producer.id !== reference.id) {
    for (const f of row.identical) mismatches.push({ producer: producer.id, decoder: null, check: "same bytes", ...f });
  }
  for (const t of row.tables) mismatches.push({ producer: producer.id, decoder: null, check: "tables", case: null, why: `${t.schedule}: ${t.why}` });
  for (const decoder of backends) {
    const failures = [];
    for (const c of cases) {
      const key = fileOf.get(`${producer.id}/${c.id}`);
      if (!key) continue; // counted under "same bytes"
      const why = decoded.get(decoder.id).get(key);
      if (why) failures.push({ case: c.id, why });
    }
    row.decoders.set(decoder.id, failures);
    for (const f of failures) mismatches.push({ producer: producer.id, decoder: decoder.id, check: "decode", ...f });
  }
  rows.set(producer.id, row);
}

// --- the report --------------------------------------------------------------------------

const mark = (failures, total) => (failures === 0 ? `✓ ${total}` : `✗ ${failures} of ${total}`);
const header = ["producer ↓ / decoder →", "same bytes as the reference", "golden tables",
  ...backends.map((b) => `\`${b.id}\``)];
const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
let cells = 0;
let badCells = 0;
for (const producer of backends) {
  const row = rows.get(producer.id);
  const cols = [
    producer.id === reference.id ? "reference" : mark(row.identical.length, cases.length),
    row.tables.length === 0 ? "✓" : "✗",
    ...backends.map((d) => mark(row.decoders.get(d.id).length, cases.length - row.identical.filter((f) => f.why.startsWith("no file")).length)),
  ];
  cells += cols.length;
  badCells += cols.filter((c) => c.startsWith("✗")).length;
  lines.push(`| \`${producer.id}\` | ${cols.join(" | ")} |`);
}
const inputBytes = [...inputs.values()].reduce((n, b) => n + b.length, 0);
const legend = backends.map((b) => `- \`${b.id}\`: ${b.name} — ${about[b.id]}`).join("\n");
const markdown = `${cases.length} cases (${inputBytes} input bytes), ${distinct.size} distinct files; `
  + `${backends.length} backends, each a producer (rows) and a decoder (columns).\n\n`
  + `${lines.join("\n")}\n\n${legend}\n`;
console.log(markdown);
for (const m of mismatches.slice(0, 50)) {
  console.log(`mismatch: ${m.check}, producer ${m.producer}${m.decoder ? `, decoder ${m.decoder}` : ""}`
    + `${m.case ? `, case ${m.case}` : ""}: ${m.why}`);
}
if (mismatches.length > 50) console.log(`… and ${mismatches.length - 50} more (see the JSON)`);

const report = {
  date: new Date().toISOString(), cases: cases.length, inputBytes, distinctFiles: distinct.size,
  backends: backends.map((b) => ({ id: b.id, name: b.name, about: about[b.id] })),
  cells, mismatchedCells: badCells, mismatches,
};
writeFileSync(option("--json", join(work, "matrix.json")), JSON.stringify(report, null, 2));
if (option("--markdown", null)) writeFileSync(option("--markdown"), markdown);
if (chromium) {
  await chromium.browser.close();
  chromium.server.close();
}
console.log(`matrix: ${cells} cells, ${badCells} mismatches`);
process.exit(badCells === 0 && mismatches.length === 0 ? 0 : 1);
