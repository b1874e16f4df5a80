// Decompression throughput: the page's wasm decoder in headless Chromium (SIMD128 and the
// plain fallback; one worker, and one per core) and its WebGPU decoder (SwiftShader, the
// software GPU of headless Chromium, where there is no GPU) against the native CLI, on
// the same .boa files.
//
//   node bench/throughput.mjs [--bytes N] [--chunk-len N] [--runs N] [--skip-plain] [--skip-gpu] NAME=MODEL.boam ...
//
// Data: held-out KM3NeT amplitudes (the last part of data/km3-amplitudes.bin, which the
// bundled model never saw). Needs web/build-www and the release CLI (BOA_BIN, default
// ../target/release/boa). Prints a Markdown table of medians (with ranges).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, boaBin, serveWww, launchChromium } from "../tests/harness.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
};
const bytes = option("--bytes", 256 * 1024);
const runs = option("--runs", 3);
const chunkLen = option("--chunk-len", 65536);
const flag = (name) => args.includes(name) && args.splice(args.indexOf(name), 1).length > 0;
const skipPlain = flag("--skip-plain");
const skipGpu = flag("--skip-gpu");
const models = args.map((a) => a.split("="));
if (models.length === 0) models.push(["tiny", join(root, "data", "default.boam")]);

const work = mkdtempSync(join(tmpdir(), "boa-bench-"));
const sample = readFileSync(join(root, "data", "km3-amplitudes.bin"));
const input = join(work, "held-out.bin");
writeFileSync(input, sample.subarray(sample.length - bytes));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cell = (xs) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;


function nativeRun(boaFile, threads) {
  const started = process.hrtime.bigint();
  // One thread steps 4 chunks together, as a page worker does; more threads spread the
  // chunks over the threads (the CLI's default).
  const lanes = threads === 1 ? ["--lanes", "4"] : [];
  execFileSync(boaBin, ["decompress", "-q", "-f", ...lanes, "-o", join(work, "out.bin"), boaFile],
    { env: { ...process.env, RAYON_NUM_THREADS: String(threads) } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return bytes / 1000 / seconds;
}

const { server, base } = await serveWww();
const browser = await launchChromium();

async function pageRate(boaBytes, query) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(base + query);
  await page.setInputFiles("#boa-file", { name: "bench.boa", mimeType: "application/octet-stream", buffer: boaBytes });
  await page.waitForSelector("#info-section:not([hidden])");
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden])", { timeout: 600_000 });
  const status = await page.textContent("#status");
  const detail = await page.evaluate(() => globalThis.boaLastRun ?? null);
  await page.close();
  const seconds = Number(status.match(/in ([0-9.]+) s/)[1]);
  if (detail) details.push({ model: benchModel, query, seconds, ...detail });
  return bytes / 1000 / seconds;
}
// Where the CPU workers' time went, run by run (pages that record it: `boaLastRun`).
const details = [];
let benchModel = null;

const cores = (await import("node:os")).availableParallelism();
console.log(`${bytes} bytes of held-out KM3NeT amplitudes, ${chunkLen}-byte chunks, ${runs} runs (median, range), KB/s\n`);
console.log(`| model | native, 1 thread | wasm SIMD128, 1 worker | wasm, no SIMD, 1 worker | SIMD / native | native, ${cores} threads | wasm SIMD128, ${cores} workers | WebGPU |`);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const [name, model] of models) {
  benchModel = name;
  const boaFile = join(work, `${name}.boa`);
  execFileSync(boaBin, ["compress", "-q", "-f", "--embed-model", "--chunk-len", String(chunkLen), "-m", model, "-o", boaFile, input]);
  const boaBytes = readFileSync(boaFile);
  const native = [], simd = [], plain = [], nativeAll = [], simdAll = [], gpu = [];
  for (let i = 0; i < runs; i++) {
    native.push(nativeRun(boaFile, 1));
    simd.push(await pageRate(boaBytes, "?backend=cpu&workers=1"));
    if (!skipPlain) plain.push(await pageRate(boaBytes, "?backend=cpu&wasm=plain&workers=1"));
    nativeAll.push(nativeRun(boaFile, cores));
    simdAll.push(await pageRate(boaBytes, `?backend=cpu&workers=${cores}`));
    if (!skipGpu) gpu.push(await pageRate(boaBytes, "?backend=gpu"));
  }
  console.log(`| ${name} | ${cell(native)} | ${cell(simd)} | ${skipPlain ? "–" : cell(plain)} | ` +
    `${(median(simd) / median(native)).toFixed(2)} | ${cell(nativeAll)} | ${cell(simdAll)} | ` +
    `${skipGpu ? "–" : cell(gpu)} |`);
}
if (details.length > 0) {
  console.log("\n| model | run | wall s | per worker: open ms | per worker: decode ms |");
  console.log("|---|---|---:|---:|---:|");
  const ms = (xs) => xs.map((x) => x.toFixed(0)).join(", ");
  for (const d of details) console.log(`| ${d.model} | ${d.query} | ${d.seconds.toFixed(2)} | ${ms(d.openMs)} | ${ms(d.busyMs)} |`);
}
await browser.close();
server.close();
