/**
 * Regenerates the raster icons in public/ from public/icon.svg (run after changing it):
 *   npx tsx scripts/icons.ts
 * Chromium (Debian's, as the tests use) draws the SVG at each size; favicon.ico holds the 16, 32 and 48 px PNGs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { ROOT } from "../lib/paths";

const PUBLIC = path.join(ROOT, "public");
const svg = readFileSync(path.join(PUBLIC, "icon.svg"), "utf8");

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox"] });
const page = await browser.newPage();

async function png(size: number): Promise<Buffer> {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace("<svg ", `<svg style="display:block;width:${size}px;height:${size}px" `)}</body></html>`,
  );
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}

/** An ICO file whose images are PNGs (supported by every browser since Windows Vista's format revision). */
function ico(images: { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, data }) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0);
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((image) => image.data)]);
}

const favicon = [];
for (const size of [16, 32, 48]) favicon.push({ size, data: await png(size) });
writeFileSync(path.join(PUBLIC, "favicon.ico"), ico(favicon));
writeFileSync(path.join(PUBLIC, "apple-touch-icon.png"), await png(180));
writeFileSync(path.join(PUBLIC, "icon-192.png"), await png(192));
writeFileSync(path.join(PUBLIC, "icon-512.png"), await png(512));
// The emails' logo: shown at 32 px, drawn at 64 for sharp high-density screens (lib/mail/logo.ts).
writeFileSync(path.join(PUBLIC, "email-logo.png"), await png(64));
await browser.close();
