// Builds the committed front-end assets in ../static/ from govuk-frontend and
// the sources in ./src/. Run with `npm ci && npm run build` in this folder.
//
// Writes (and first deletes) only: static/css/, static/js/, static/govuk/,
// static/images/. Node is needed for this build only, never to run or test
// the Flask app.

import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync, gzipSync } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const staticDir = resolve(here, '..', 'static')
const srcDir = join(here, 'src')

const BRAND = [0x4c, 0x28, 0x82] // #4c2882, keep in step with src/app.scss and src/images/favicon.svg
const EXPECTED_GOVUK_FRONTEND = '6.3.0' // the version govuk-frontend-jinja 4.1.0 is tested against

function fail (message) {
  console.error(`build failed: ${message}`)
  process.exit(1)
}

// --- Check the installed packages ------------------------------------------
const govukPkgJson = join(here, 'node_modules', 'govuk-frontend', 'package.json')
if (!existsSync(govukPkgJson)) fail('node_modules is missing: run `npm ci` first')
const govukVersion = JSON.parse(readFileSync(govukPkgJson, 'utf8')).version
if (govukVersion !== EXPECTED_GOVUK_FRONTEND) {
  fail(`govuk-frontend ${govukVersion} installed, ${EXPECTED_GOVUK_FRONTEND} expected (it must match govuk-frontend-jinja)`)
}
const govukDist = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const sassCli = join(here, 'node_modules', 'sass', 'sass.js') // the `sass` command-line entry point

// --- Compile the Sass into a temporary file ----------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'app-css-'))
const tmpCss = join(tmp, 'app.css')
try {
  execFileSync(process.execPath, [
    sassCli,
    '--pkg-importer=node',
    '--no-error-css',
    '--no-source-map',
    '--style=compressed',
    join(srcDir, 'app.scss'),
    tmpCss
  ], { cwd: here, stdio: 'inherit' })
} catch {
  rmSync(tmp, { recursive: true, force: true })
  fail('sass reported an error (see above); static/ was left untouched')
}
const css = readFileSync(tmpCss, 'utf8')
rmSync(tmp, { recursive: true, force: true })

// --- Check the CSS and find the GOV.UK assets it references -------------------
if (/@font-face/i.test(css)) fail('the CSS contains @font-face')
if (/GDS Transport/i.test(css)) fail('the CSS mentions GDS Transport')
if (css.includes('/assets/')) fail('the CSS contains an /assets/ URL')

const assets = new Set()
for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/g)) {
  const url = match[2]
  if (url.startsWith('data:')) continue
  // URLs are relative to static/css/app.css
  const target = posix.normalize(posix.join('css', url))
  if (!target.startsWith('govuk/')) fail(`unexpected URL in CSS: ${url}`)
  const inPackage = target.slice('govuk/'.length) // e.g. images/foo.svg
  if (/^fonts\//.test(inPackage)) fail(`the CSS references a GOV.UK font: ${url}`)
  if (/(favicon|govuk-icon|govuk-crest|opengraph)/.test(inPackage)) {
    fail(`the CSS references GOV.UK's crown/crest imagery: ${url} (handle it in src/_image-url.scss)`)
  }
  if (!existsSync(join(govukDist, 'assets', inPackage))) fail(`no such GOV.UK asset: ${inPackage}`)
  assets.add(inPackage)
}

// --- Tiny PNG/ICO writer for the service's own icons ------------------------------
// Same drawing as src/images/favicon.svg: a brand-coloured rounded square
// (corner radius 20%) with a white ring (centre radius 25%, width 10%).
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32 (buf) {
  let c = 0xffffffff
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk (type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const out = Buffer.alloc(body.length + 8)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), body.length + 4)
  return out
}
function iconPng (size) {
  const ss = 4 // supersampling per axis
  const raw = Buffer.alloc(size * (size * 4 + 1))
  const inside = (x, y) => { // coordinates in 0..100
    const r = 20
    const cx = Math.min(Math.max(x, r), 100 - r)
    const cy = Math.min(Math.max(y, r), 100 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
  }
  const onRing = (x, y) => {
    const d = Math.hypot(x - 50, y - 50)
    return d >= 20 && d <= 30
  }
  for (let py = 0; py < size; py++) {
    const row = py * (size * 4 + 1)
    raw[row] = 0 // filter: none
    for (let px = 0; px < size; px++) {
      let a = 0; let r = 0; let g = 0; let b = 0
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = ((px + (sx + 0.5) / ss) / size) * 100
          const y = ((py + (sy + 0.5) / ss) / size) * 100
          if (!inside(x, y)) continue
          const c = onRing(x, y) ? [255, 255, 255] : BRAND
          a += 1; r += c[0]; g += c[1]; b += c[2]
        }
      }
      const o = row + 1 + px * 4
      if (a > 0) {
        raw[o] = Math.round(r / a); raw[o + 1] = Math.round(g / a); raw[o + 2] = Math.round(b / a)
      }
      raw[o + 3] = Math.round((a / (ss * ss)) * 255)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}
function icoFromPng (png, size) { // one PNG-compressed image (Windows Vista and later)
  const head = Buffer.alloc(22)
  head.writeUInt16LE(0, 0); head.writeUInt16LE(1, 2); head.writeUInt16LE(1, 4)
  head[6] = size; head[7] = size; head[8] = 0; head[9] = 0
  head.writeUInt16LE(1, 10); head.writeUInt16LE(32, 12)
  head.writeUInt32LE(png.length, 14); head.writeUInt32LE(22, 18)
  return Buffer.concat([head, png])
}

// --- Write static/ --------------------------------------------------------------------
for (const dir of ['css', 'js', 'govuk', 'images']) rmSync(join(staticDir, dir), { recursive: true, force: true })
for (const dir of ['css', 'js', 'images']) mkdirSync(join(staticDir, dir), { recursive: true })

writeFileSync(join(staticDir, 'css', 'app.css'), css)

for (const asset of assets) {
  const dest = join(staticDir, 'govuk', ...asset.split('/'))
  mkdirSync(dirname(dest), { recursive: true })
  copyFileSync(join(govukDist, 'assets', ...asset.split('/')), dest)
}

// The package's ES module, minus its sourceMappingURL comment (the map is not
// shipped, so browser developer tools would request a missing file).
const govukJs = readFileSync(join(govukDist, 'govuk-frontend.min.js'), 'utf8')
  .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
writeFileSync(join(staticDir, 'js', 'govuk-frontend.min.js'), govukJs)
copyFileSync(join(srcDir, 'js', 'app.js'), join(staticDir, 'js', 'app.js'))
copyFileSync(join(srcDir, 'js', 'body-classes.js'), join(staticDir, 'js', 'body-classes.js'))
copyFileSync(join(srcDir, 'js', 'session-timeout.js'), join(staticDir, 'js', 'session-timeout.js'))
copyFileSync(join(srcDir, 'js', 'timeout-warning.js'), join(staticDir, 'js', 'timeout-warning.js'))
copyFileSync(join(srcDir, 'js', 'print-page.js'), join(staticDir, 'js', 'print-page.js'))
copyFileSync(join(srcDir, 'js', 'conditional-reveal.js'), join(staticDir, 'js', 'conditional-reveal.js'))

copyFileSync(join(srcDir, 'images', 'favicon.svg'), join(staticDir, 'images', 'favicon.svg'))
writeFileSync(join(staticDir, 'images', 'favicon.ico'), icoFromPng(iconPng(48), 48))
writeFileSync(join(staticDir, 'images', 'icon-192.png'), iconPng(192))
writeFileSync(join(staticDir, 'images', 'icon-512.png'), iconPng(512))

// --- Report ---------------------------------------------------------------------------
const report = ['css/app.css', 'js/govuk-frontend.min.js', 'js/app.js', 'js/body-classes.js']
let total = 0
for (const file of report) {
  const data = readFileSync(join(staticDir, ...file.split('/')))
  const gz = gzipSync(data, { level: 9 }).length
  total += gz
  console.log(`${file.padEnd(28)} ${String(data.length).padStart(7)} B  ${String(gz).padStart(6)} B gzipped`)
}
console.log(`${'total (CSS + JS)'.padEnd(28)} ${' '.repeat(9)}  ${String(total).padStart(6)} B gzipped`)
console.log(`GOV.UK assets copied: ${assets.size ? [...assets].join(', ') : 'none'}`)
console.log(`written to ${relative(process.cwd(), staticDir).split(sep).join('/') || '.'}`)
