// The 目視 assist's chip photo: its decode time in WebAssembly in Chromium, and the sizes the assist adds.
//
//   node tests/bench/photo-bench.mjs [--quick]
//
// Needs the built site (dist/www, or ONSHI_SITE_DIR): the decoder module `pkg-photo/` that the assist loads on its
// own, and the staff console's bundle. No stack is started: the page and its files are served to Chromium from
// the site directory through request routing. Prints one line per figure:
//
// photo.decode_p95_ms_wasm: one decode of the demo card's chip photo (378×472 greyscale JPEG 2000, the geometry of
//   the JPKI test card) into RGBA drawn on a canvas, p95 over many decodes after a warm-up, CPU not throttled.
// photo.wasm_gz_kb: the decoder module as a client downloads it (gzip level 9), fetched only by the assist.
// staff.wasm_gz_kb: the staff console's bundle, for comparison (the decoder is not in it).

import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../../xtask/stack.mjs';
import { launchChromium } from '../e2e/support.mjs';
import { figure, percentile } from './support.mjs';

const quick = process.argv.includes('--quick');
const siteDir = process.env.ONSHI_SITE_DIR ?? join(ROOT, 'dist/www');
const photo = readFileSync(join(ROOT, 'shared/vcard/data/face/synthetic-face.jp2'));

const gzKb = (path) => gzipSync(readFileSync(join(siteDir, path)), { level: 9 }).length / 1024;
figure('photo.wasm_gz_kb', gzKb('pkg-photo/onshi_photo_bg.wasm'), 'KB', 1, 'report');
figure('staff.wasm_gz_kb', gzKb('pkg-staff/onshi_staff_bg.wasm'), 'KB', 1, 'report');

const ORIGIN = 'https://photo-bench.invalid';
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><canvas></canvas>' });
    const file = normalize(join(siteDir, path));
    if (!file.startsWith(siteDir)) return route.fulfill({ status: 404 });
    return route.fulfill({ contentType: TYPES[extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/`);
  const runs = quick ? 20 : 200;
  const times = await page.evaluate(async ({ bytes, runs }) => {
    const module = await import('/pkg-photo/onshi_photo.js');
    await module.default();
    const jp2 = new Uint8Array(bytes);
    const canvas = document.querySelector('canvas');
    const context = canvas.getContext('2d');
    const once = () => {
      const start = performance.now();
      const decoded = new module.DecodedPhoto(jp2);
      canvas.width = decoded.width;
      canvas.height = decoded.height;
      const image = context.createImageData(decoded.width, decoded.height);
      decoded.draw_into(image.data);
      context.putImageData(image, 0, 0);
      decoded.free();
      image.data.fill(0);
      return performance.now() - start;
    };
    for (let warm = 0; warm < 10; warm++) once();
    return Array.from({ length: runs }, once);
  }, { bytes: [...photo], runs });
  figure('photo.decode_p95_ms_wasm', percentile(times, 95), 'ms', times.length, '<= 50');
} finally {
  await browser.close();
}
