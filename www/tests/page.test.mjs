// End-to-end test of the page in headless Chromium (playwright-core, Debian's chromium):
// a .boa file made by the native CLI is decompressed in the page and the download is
// compared with the original; damaged files and files without their model too; on
// WebGPU (SwiftShader, Chromium's software GPU, here) and on the CPU engine; files the
// page compresses equal the CLI's and decompress in it.
//
// Needs the page built (web/build-www) and the native binary: BOA_BIN, default
// ../target/release/boa (or $CARGO_TARGET_DIR/release/boa). BOA_SCREENSHOTS=DIR saves
// screenshots of the page before and after a decompression.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { www, root, boaBin, serveWww, launchChromium } from "./harness.mjs";

const work = mkdtempSync(join(tmpdir(), "boa-page-"));

let server, browser, base;

function boa(...args) {
  return execFileSync(boaBin, args, { stdio: ["ignore", "pipe", "pipe"] });
}

before(async () => {
  assert.ok(existsSync(boaBin), `native boa binary not found at ${boaBin} (set BOA_BIN)`);
  for (const flavour of ["simd", "plain"]) {
    assert.ok(existsSync(join(www, "pkg", flavour, "boa_web_bg.wasm")), "run web/build-www first");
  }
  ({ server, base } = await serveWww());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/// `kib` KiB of the bundled KM3NeT sample (96 by default), compressed by the CLI into
/// chunks of a sixth of that.
function makeFiles(extraArgs, kib = 96) {
  const original = readFileSync(join(root, "data", "km3-amplitudes.bin")).subarray(1 << 20, (1 << 20) + kib * 1024);
  const input = join(work, "hits.bin");
  writeFileSync(input, original);
  const output = join(work, `hits-${extraArgs.length}-${kib}.bin.boa`);
  boa("compress", "-q", "-f", "--chunk-len", String((kib * 1024) / 6), ...extraArgs, "-o", output, input);
  return { original, input, boaPath: output, boaBytes: readFileSync(output) };
}

/// Downloads what `#${id}` offers; resolves to { name, bytes }.
async function download(page, id) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click(`#${id}`)]);
  const saved = join(work, `download-${Date.now()}-${file.suggestedFilename()}`);
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), bytes: readFileSync(saved) };
}

/// Decompresses `bytes` in a page opened with `query`; resolves to { status, error, out }.
async function decodeInPage(query, name, bytes, model = null) {
  const { page, errors } = await openPage(query);
  await decompressInPage(page, name, bytes);
  await page.waitForSelector("#info-section:not([hidden])");
  if (model) {
    await page.setInputFiles("#model-file", { name: "model.boam", mimeType: "application/octet-stream", buffer: model });
  }
  const info = await page.textContent("#info");
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden]), #error:not([hidden])", { timeout: 240_000 });
  const status = await page.textContent("#status");
  const failed = await page.isVisible("#error");
  const result = failed
    ? { info, status, error: await page.textContent("#error"), out: null }
    : { info, status, error: null, out: (await download(page, "download")).bytes };
  await page.context().close();
  assert.deepEqual(errors, []);
  return result;
}

/// Compresses `input` in a page opened with `query`, with the bundled model (or `model`);
/// resolves to { status, name, bytes }.
async function compressInPage(query, input, { chunkLen, embed = true, mixing = false, model = null, shot = null }) {
  const { page, errors } = await openPage(query);
  await page.setInputFiles("#plain-file", { name: "hits.bin", mimeType: "application/octet-stream", buffer: input });
  if (model) {
    await page.setInputFiles("#compress-model-file", { name: "model.boam", mimeType: "application/octet-stream", buffer: model });
  }
  await page.fill("#chunk-len", String(chunkLen));
  if (!embed) await page.uncheck("#embed");
  if (mixing) await page.check("#mixing");
  await page.click("#compress");
  await page.waitForSelector("#compress-result:not([hidden]), #compress-error:not([hidden])", { timeout: 240_000 });
  const error = await page.isVisible("#compress-error") ? await page.textContent("#compress-error") : null;
  assert.equal(error, null);
  const status = await page.textContent("#compress-status");
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  const file = await download(page, "compress-download");
  await page.context().close();
  assert.deepEqual(errors, []);
  return { status, ...file };
}

async function openPage(query = "") {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base + query);
  return { page, errors };
}

async function decompressInPage(page, name, bytes) {
  await page.setInputFiles("#boa-file", { name, mimeType: "application/octet-stream", buffer: bytes });
}

test("a file compressed by the CLI decompresses byte for byte in the page, on WebGPU", async () => {
  const { original, boaBytes } = makeFiles(["--embed-model"], 24);
  const { page, errors } = await openPage("?backend=gpu");
  const shots = process.env.BOA_SCREENSHOTS;
  await decompressInPage(page, "hits.bin.boa", boaBytes);
  await page.waitForSelector("#info-section:not([hidden])");
  const info = await page.textContent("#info");
  assert.match(info, /hits\.bin \(24,576 bytes\)/);
  assert.match(info, /embedded/);
  assert.match(info, /WebGPU: .*, with the CPU engine, WebAssembly \(SIMD128\) as fallback/);
  if (shots) await page.screenshot({ path: join(shots, "page-before.png"), fullPage: true });
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
  const status = await page.textContent("#status");
  assert.match(status, /Done: 24,576 bytes/);
  assert.match(status, /WebGPU/);
  assert.match(status, /6 chunk checksums/);
  if (shots) await page.screenshot({ path: join(shots, "page-after.png"), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(download.suggestedFilename(), "hits.bin");
  const saved = join(work, "downloaded.bin");
  await download.saveAs(saved);
  assert.deepEqual(readFileSync(saved), original);
  console.log(`page throughput: ${status}`);
  assert.deepEqual(errors, []);
});

test("a damaged file shows a clear error and offers nothing", async () => {
  const { boaBytes } = makeFiles(["--embed-model"]);
  const damaged = Buffer.from(boaBytes);
  damaged[damaged.length - 200] ^= 0x55; // inside the last chunk's coded stream
  const { page } = await openPage("?backend=cpu");
  await decompressInPage(page, "damaged.boa", damaged);
  await page.waitForSelector("#info-section:not([hidden])");
  await page.click("#decompress");
  await page.waitForSelector("#error:not([hidden])", { timeout: 120_000 });
  assert.match(await page.textContent("#error"), /cannot decompress damaged\.boa: .*(checksum|CRC)/i);
  assert.equal(await page.isHidden("#result"), true);
  // Not a .boa file at all: the header is refused at once.
  await decompressInPage(page, "notes.txt", Buffer.from("just some text, not compressed"));
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error"), /cannot decompress notes\.txt/);
  assert.equal(await page.isHidden("#info-section"), true);
});

test("a file without its model asks for the model (and the no-SIMD fallback decodes it)", async () => {
  const { original, boaBytes } = makeFiles([]);
  const { page } = await openPage("?wasm=plain&backend=cpu");
  await decompressInPage(page, "bare.boa", boaBytes);
  await page.waitForSelector("#model-row:not([hidden])");
  assert.match(await page.textContent("#info"), /WebAssembly \(no SIMD\)/);
  assert.equal(await page.isDisabled("#decompress"), true);
  const model = readFileSync(join(root, "data", "default.boam"));
  await page.setInputFiles("#model-file", { name: "default.boam", mimeType: "application/octet-stream", buffer: model });
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(download.suggestedFilename(), "bare");
  const saved = join(work, "bare.bin");
  await download.saveAs(saved);
  assert.deepEqual(readFileSync(saved), original);
});

test("once loaded, the page works offline", async () => {
  const { original, boaBytes } = makeFiles(["--embed-model"], 24);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(base);
  // The service worker has cached the page and both decoders.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state;
  });
  await page.waitForFunction(async () => (await caches.keys()).includes("boa-v2"));
  await page.waitForFunction(async () => {
    const cache = await caches.open("boa-v2");
    return (await cache.keys()).length >= 10;
  });
  await context.setOffline(true);
  await page.reload();
  await page.setInputFiles("#boa-file", { name: "offline.bin.boa", mimeType: "application/octet-stream", buffer: boaBytes });
  await page.waitForSelector("#info-section:not([hidden])");
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const saved = join(work, "offline.bin");
  await download.saveAs(saved);
  assert.deepEqual(readFileSync(saved), original);
  await context.close();
});

test("WebGPU and the CPU engine give the same bytes and the same errors", async () => {
  const { original, boaBytes } = makeFiles([], 24);
  const model = readFileSync(join(root, "data", "default.boam"));
  const byGpu = await decodeInPage("?backend=gpu", "bare.boa", boaBytes, model);
  const byCpu = await decodeInPage("?backend=cpu", "bare.boa", boaBytes, model);
  assert.match(byGpu.status, /WebGPU/);
  assert.match(byCpu.status, /CPU engine/);
  assert.deepEqual(byGpu.out, original);
  assert.deepEqual(byCpu.out, original);
  // A flipped byte in a chunk's stream: the same message on both backends.
  const damaged = Buffer.from(boaBytes);
  damaged[damaged.length - 200] ^= 0x55;
  const badGpu = await decodeInPage("?backend=gpu", "damaged.boa", damaged, model);
  const badCpu = await decodeInPage("?backend=cpu", "damaged.boa", damaged, model);
  assert.match(badGpu.error, /cannot decompress damaged\.boa: chunk \d+/);
  assert.equal(badGpu.error, badCpu.error);
});

test("files the page compresses (WebGPU and CPU) equal the CLI's and decompress in it", async () => {
  const original = readFileSync(join(root, "data", "km3-amplitudes.bin")).subarray(1_200_000, 1_220_000);
  assert.equal(original.length, 20_000);
  const input = join(work, "to-compress.bin");
  writeFileSync(input, original);
  const shots = process.env.BOA_SCREENSHOTS;
  for (const embed of [true, false]) {
    const cli = join(work, `cli-${embed}.boa`);
    boa("compress", "-q", "-f", "--chunk-len", "4000", ...(embed ? ["--embed-model"] : []), "-o", cli, input);
    const expected = readFileSync(cli);
    for (const backend of ["gpu", "cpu"]) {
      const shot = shots && embed && backend === "gpu" ? join(shots, "page-compress.png") : null;
      const made = await compressInPage(`?backend=${backend}`, original, { chunkLen: 4000, embed, shot });
      assert.equal(made.name, "hits.bin.boa");
      assert.match(made.status, backend === "gpu" ? /WebGPU/ : /CPU engine/);
      assert.match(made.status, /Done: 20,000 → /);
      assert.ok(made.bytes.equals(expected), `the page's ${backend} file (embed ${embed}) differs from the CLI's`);
      const pageFile = join(work, `page-${backend}-${embed}.boa`);
      writeFileSync(pageFile, made.bytes);
      const restored = join(work, `page-${backend}-${embed}.out`);
      boa("decompress", "-q", "-f", ...(embed ? [] : ["-m", join(root, "data", "default.boam")]), "-o", restored, pageFile);
      assert.deepEqual(readFileSync(restored), original);
    }
  }
});

test("the page compresses with context mixing as the CLI does, on WebGPU too", async () => {
  const original = readFileSync(join(root, "data", "km3-amplitudes.bin")).subarray(600_000, 612_000);
  const input = join(work, "to-mix.bin");
  writeFileSync(input, original);
  const cli = join(work, "cli-mixing.boa");
  boa("compress", "-q", "-f", "--mixing", "--chunk-len", "5000", "-o", cli, input);
  for (const backend of ["gpu", "cpu"]) {
    const made = await compressInPage(`?backend=${backend}`, original, { chunkLen: 5000, embed: false, mixing: true });
    assert.ok(made.bytes.equals(readFileSync(cli)), `the page's ${backend} file with mixing differs from the CLI's`);
    assert.match(made.status, backend === "gpu" ? /WebGPU/ : /CPU engine/);
    // The GPU mixes in its shaders (shaders/mixing.wgsl): no chunk is left to the CPU, so
    // the status ends with the backend, without a note after it.
    assert.match(made.status, /\)\.$/);
  }
  const { page, errors } = await openPage();
  await decompressInPage(page, "mixed.bin.boa", readFileSync(cli));
  await page.waitForSelector("#info-section:not([hidden])");
  assert.match(await page.textContent("#info"), /coded with context mixing/);
  await page.context().close();
  assert.deepEqual(errors, []);
});

test("without WebGPU the page uses the CPU engine", async () => {
  const { original, boaBytes } = makeFiles(["--embed-model"], 24);
  const context = await browser.newContext({ acceptDownloads: true });
  // As in a browser without WebGPU: no navigator.gpu on the page.
  await context.addInitScript(() => { delete Navigator.prototype.gpu; });
  const page = await context.newPage();
  await page.goto(base);
  await decompressInPage(page, "nogpu.bin.boa", boaBytes);
  await page.waitForSelector("#info-section:not([hidden])");
  assert.match(await page.textContent("#info"), /CPU engine, WebAssembly \(SIMD128\) \(WebGPU unavailable/);
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
  assert.match(await page.textContent("#status"), /CPU engine, WebAssembly \(SIMD128\), \d+ workers?/);
  assert.deepEqual((await download(page, "download")).bytes, original);
  await context.close();
});

test("?backend=gpu without WebGPU is a clear error", async () => {
  const { boaBytes } = makeFiles(["--embed-model"], 24);
  const context = await browser.newContext();
  await context.addInitScript(() => { delete Navigator.prototype.gpu; });
  const page = await context.newPage();
  await page.goto(`${base}?backend=gpu`);
  await decompressInPage(page, "nogpu.bin.boa", boaBytes);
  await page.waitForSelector("#info-section:not([hidden])");
  await page.click("#decompress");
  await page.waitForSelector("#error:not([hidden])", { timeout: 60_000 });
  assert.match(await page.textContent("#error"), /WebGPU unavailable: this browser has no navigator\.gpu/);
  assert.equal(await page.isHidden("#result"), true);
  await context.close();
});
