// Preloaded into the Prisma CLI: its idle timers (5 s and longer) would keep the process alive for up to a minute
// after the command has finished.
const originalSetTimeout = global.setTimeout;
const originalSetInterval = global.setInterval;
global.setTimeout = (fn, ms, ...args) => {
  const timer = originalSetTimeout(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
global.setInterval = (fn, ms, ...args) => {
  const timer = originalSetInterval(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
