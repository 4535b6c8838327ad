// Preloaded into the app by load measurements only (`node --expose-gc --import <this>`):
// SIGUSR2 runs a full garbage collection and prints one JSON line with what survived it, so
// a measurement sees what the server keeps alive, not wherever the collector happened to
// be. Unused by production code.
const collectGarbage = (globalThis as { gc?: () => void }).gc;
if (!collectGarbage) throw new Error('collect-garbage-on-signal needs node --expose-gc.');
process.on('SIGUSR2', () => {
  collectGarbage();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ afterFullGc: { heapUsed, external, arrayBuffers } })}\n`);
});
