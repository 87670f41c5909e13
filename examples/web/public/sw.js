// The page's service worker: every same-origin GET is fetched from the network
// when there is one and kept; without a network the kept copy answers, so the
// page, its code, the wasm binaries and the embedded data work offline after a
// first visit. Cached responses keep their headers (cross-origin isolation).
const CACHE = 'asng-web-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(request, response.clone());
        return response;
      })
      .catch(async () => (await caches.match(request, { ignoreSearch: true })) ?? Response.error()),
  );
});
