// End-to-end test of the page in headless Chromium (playwright-core, Debian's chromium):
// a .boa file made by the native CLI is decompressed in the page and the download is
// compared with the original; damaged files and files without their model too.
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

/// 96 KiB of the bundled KM3NeT sample, compressed by the CLI into 16 KiB chunks.
function makeFiles(extraArgs) {
  const original = readFileSync(join(root, "data", "km3-amplitudes.bin")).subarray(1 << 20, (1 << 20) + 96 * 1024);
  const input = join(work, "hits.bin");
  writeFileSync(input, original);
  const output = join(work, `hits-${extraArgs.length}.bin.boa`);
  boa("compress", "-q", "-f", "--chunk-len", "16384", ...extraArgs, "-o", output, input);
  return { original, boaPath: output, boaBytes: readFileSync(output) };
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

test("a file compressed by the CLI decompresses byte for byte in the page", async () => {
  const { original, boaBytes } = makeFiles(["--embed-model"]);
  const { page, errors } = await openPage();
  const shots = process.env.BOA_SCREENSHOTS;
  await decompressInPage(page, "hits.bin.boa", boaBytes);
  await page.waitForSelector("#info-section:not([hidden])");
  const info = await page.textContent("#info");
  assert.match(info, /hits\.bin \(98,304 bytes\)/);
  assert.match(info, /embedded/);
  assert.match(info, /WebAssembly \(SIMD128\)/);
  if (shots) await page.screenshot({ path: join(shots, "page-before.png"), fullPage: true });
  await page.click("#decompress");
  await page.waitForSelector("#result:not([hidden])", { timeout: 120_000 });
  const status = await page.textContent("#status");
  assert.match(status, /Done: 98,304 bytes/);
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
  const { page } = await openPage();
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
  const { page } = await openPage("?wasm=plain");
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
  const { original, boaBytes } = makeFiles(["--embed-model"]);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(base);
  // The service worker has cached the page and both decoders.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state;
  });
  await page.waitForFunction(async () => (await caches.keys()).includes("boa-v1"));
  await page.waitForFunction(async () => {
    const cache = await caches.open("boa-v1");
    return (await cache.keys()).length >= 9;
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
