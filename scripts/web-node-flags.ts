/**
 * Node.js flags of the portal's web server (scripts/serve.mjs) in production: `npm start` (scripts/start.ts) and the
 * Dockerfile's web image start it with them (a deployment that runs `node scripts/serve.mjs` itself should too), and
 * bench/pages.ts measures the pages with them.
 *
 * Why: on a machine with gigabytes of memory V8 sizes its heap limit in gigabytes and lets garbage pile up to several
 * times the live heap (about 70 MB) before collecting: 350 MB resident at the page benchmark's peak, 508 MB with the
 * biggest request bodies posted alongside. With these flags: 214-223 MB, and 387 MB with those uploads, none refused
 * and none slower to the point of mattering (bench/README.md, "Memory"). Young-generation semi-spaces of 4 MB instead
 * of 16 MB, and an old generation collected well before 192 MB: 2.5 times the live heap, room for the biggest request
 * (a 12 MB body, next.config.mjs) many times over.
 */
export const WEB_NODE_FLAGS = ["--max-old-space-size=192", "--max-semi-space-size=4"];
