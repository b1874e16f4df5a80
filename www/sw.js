// Caches the page and its wasm so that it works offline once loaded.
const CACHE = "boa-v2";
const FILES = ["./", "index.html", "style.css", "app.js", "worker.js", "pkg/default.boam",
  "pkg/simd/boa_web.js", "pkg/simd/boa_web_bg.wasm", "pkg/plain/boa_web.js", "pkg/plain/boa_web_bg.wasm"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) =>
    Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)))));
});

// Network first (so a rebuilt page is picked up), the cache when offline.
self.addEventListener("fetch", (event) => {
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        return response;
      })
      .catch(() => caches.match(event.request)),
  );
});
