// The web view in a real browser: Debian's Chromium, headless, driven by playwright-core,
// each page audited by axe-core. Run by tests/it/web_view.rs against a running parcd:
//
//   NODE_PATH=target/web-node/node_modules node tests/web/check.cjs BASE SCREENS_DIR [REPORT]
//
// With PARCD_TOKEN set, every request (the browser's and the API reads) sends it as a bearer
// token, as a user of a parcd closed by `[server] token` would.
//
// It checks that every page loads (200, its language set, one h1), that every chart renders
// (an SVG with a non-empty box, a title, a description and a table beside it), that every
// figure the page ties to the API (data-api, data-ptr, data-value) equals the API's JSON and
// reads as it (the shown text, rounded), that the what-if form answers, that the entity
// filter works, that the keyboard reaches the form, that no page scrolls sideways at 1280 px
// or printed on A4, and that axe-core finds no serious or critical WCAG 2.1 A/AA violation.
// Screenshots (PNG) go to SCREENS_DIR. Prints one line per check, and fails (exit 1) with
// every failure listed.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, screens, report] = process.argv.slice(2);
if (!base || !screens) {
  console.error('usage: check.cjs BASE_URL SCREENS_DIR [REEN_REPORT_HTML]');
  process.exit(2);
}
fs.mkdirSync(screens, { recursive: true });
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const token = process.env.PARCD_TOKEN;
const authHeaders = token ? { Authorization: `Bearer ${token}` } : {};

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.log(`FAIL ${what}`);
};
const ok = (what) => console.log(`ok   ${what}`);

const apiCache = new Map();
async function api(url) {
  if (!apiCache.has(url)) {
    const r = await fetch(base + url, { headers: authHeaders });
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    apiCache.set(url, await r.json());
  }
  return apiCache.get(url);
}

// RFC 6901.
function resolve(json, ptr) {
  let v = json;
  for (const raw of ptr.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !(key in v)) return undefined;
    v = v[key];
  }
  return v;
}

// The figure a cell shows, in the API's unit: "12 345,6", "€12,345", "45,2 %" (a ratio).
function shownValue(text, lang) {
  // Units first: "kg CO2e" holds a digit.
  let t = text.replace(/CO2e?/g, '').replace(/[\s\u00a0\u202f]/g, '').replace('−', '-');
  const percent = t.includes('%');
  const euros = t.includes('€');
  t = lang === 'fr' ? t.replace(/[^0-9,\-]/g, '').replace(',', '.') : t.replace(/[^0-9.\-]/g, '');
  const decimals = t.includes('.') ? t.split('.')[1].length : 0;
  let v = parseFloat(t);
  if (percent) v /= 100;
  if (euros) v *= 100;
  let tolerance = 0.5 * Math.pow(10, -decimals) + 1e-9;
  if (percent) tolerance /= 100;
  if (euros) tolerance *= 100;
  return { v, tolerance };
}

// The figures of a page against the API's. A few figures move on their own (a printer's
// electricity grows with the time it has been read, at each SNMP round), so the page is
// compared with the API read just before and just after loading it, when both agree on
// every figure the page shows: the page was made from that state. Up to 8 tries.
async function checkFigures(page, name, url) {
  const pointed = () =>
    page.$$eval('[data-api]', (els) => els.map((e) => [e.dataset.api, e.dataset.ptr]));
  const read = async (urls) => {
    const docs = new Map();
    for (const u of urls) {
      const r = await fetch(base + u, { headers: authHeaders });
      if (r.status !== 200) throw new Error(`${u} answered ${r.status}`);
      docs.set(u, await r.json());
    }
    return docs;
  };
  let problems = [];
  for (let attempt = 1; attempt <= 8; attempt++) {
    const urls = [...new Set((await pointed()).map(([u]) => u))];
    const before = await read(urls);
    await page.goto(base + url, { waitUntil: 'load' });
    const after = await read(urls);
    const moved = (await pointed()).some(
      ([u, p]) => !before.has(u) || JSON.stringify(resolve(before.get(u), p)) !== JSON.stringify(resolve(after.get(u), p)),
    );
    if (moved) continue;
    apiCache.clear();
    after.forEach((doc, u) => apiCache.set(u, doc));
    problems = await compareFigures(page, name);
    if (problems.length === 0) return;
  }
  if (problems.length === 0) problems.push(`${name}: the API's figures never held still for 8 reads`);
  problems.forEach(fail);
}

async function compareFigures(page, name) {
  const problems = [];
  const lang = await page.evaluate(() => document.documentElement.lang);
  const cells = await page.$$eval('[data-api]', (els) =>
    els.map((e) => ({
      api: e.dataset.api,
      ptr: e.dataset.ptr,
      value: e.dataset.value,
      unit: e.dataset.unit,
      text: e.textContent,
    })),
  );
  for (const c of cells) {
    const json = await api(c.api);
    const expected = resolve(json, c.ptr);
    if (typeof expected !== 'number' || expected !== Number(c.value)) {
      problems.push(`${name}: ${c.api} ${c.ptr} is ${JSON.stringify(expected)} in the API, the page says ${c.value}`);
      continue;
    }
    // A figure shown in another unit than the API's (GB of bytes: data-unit 1e9).
    const unit = c.unit ? Number(c.unit) : 1;
    const shown = shownValue(c.text, lang);
    if (!(Math.abs(shown.v * unit - expected) <= shown.tolerance * unit + Math.abs(expected) * 1e-12)) {
      problems.push(`${name}: "${c.text}" does not read as ${expected} (${c.api} ${c.ptr})`);
    }
  }
  if (cells.length === 0) problems.push(`${name}: no figure tied to the API`);
  else if (problems.length === 0) ok(`${name}: ${cells.length} figures equal the API's`);
  return problems;
}

async function checkCharts(page, name, { tables = true } = {}) {
  const charts = await page.$$eval('figure.chart', (figs) =>
    figs.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      return {
        id: f.id,
        svg: !!svg,
        width: box.width,
        height: box.height,
        marks: svg ? svg.querySelectorAll('rect,circle,polyline').length : 0,
        title: svg && svg.querySelector('title') ? svg.querySelector('title').textContent.trim() : '',
        desc: svg && svg.querySelector('desc') ? svg.querySelector('desc').textContent.trim() : '',
        table: !!f.querySelector('table th[scope=col]'),
      };
    }),
  );
  for (const c of charts) {
    if (!c.svg || c.width < 100 || c.height < 20 || c.marks === 0) {
      fail(`${name}: chart ${c.id} does not render (${JSON.stringify(c)})`);
    } else if (!c.title || !c.desc || (tables && !c.table)) {
      fail(`${name}: chart ${c.id} lacks its title, description or table`);
    }
  }
  ok(`${name}: ${charts.length} charts render`);
  return charts.length;
}

// The review's charts of the years, the REEN schedule and the ages are there; the age
// pyramid says in words (its description) what its table says band by band, and its table
// counts the devices in service the API counts.
async function checkReportCharts(page, indicators) {
  const ids = ['graphique-tendance', 'graphique-reen-annees', 'graphique-pyramide', 'graphique-ages'];
  for (const id of ids) {
    if (!(await page.$(`#${id} svg`))) fail(`reen-report: no chart ${id}`);
  }
  const pyramid = await page.evaluate(() => {
    const fig = document.getElementById('graphique-pyramide');
    if (!fig) return null;
    const table = fig.nextElementSibling;
    if (!table || table.tagName !== 'TABLE') return null;
    const heads = [...table.querySelectorAll('thead th')].map((t) => t.textContent.trim());
    const total = [...table.querySelectorAll('tbody tr')].pop();
    const cells = [...total.querySelectorAll('th,td')].map((t) => t.textContent.trim());
    return { desc: fig.querySelector('desc').textContent, heads, cells };
  });
  if (!pyramid) {
    fail('reen-report: the age pyramid has no table after it');
    return;
  }
  const count = (text) => Number(text.replace(/[^0-9]/g, ''));
  const said = new Map(
    pyramid.desc.split(' ; ').map((part) => {
      const [label, rest] = part.split(' : ');
      return [label, count(rest.split(' (')[0])];
    }),
  );
  const problems = [];
  pyramid.heads.forEach((head, i) => {
    if (said.has(head) && said.get(head) !== count(pyramid.cells[i])) {
      problems.push(`${head}: the chart says ${said.get(head)}, the table ${pyramid.cells[i]}`);
    }
  });
  if (said.size < 5 || problems.length > 0) {
    fail(`reen-report: the age pyramid's chart and table differ (${said.size} bands): ${problems.join('; ')}`);
  }
  const inService = count(pyramid.cells[pyramid.cells.length - 1]);
  if (inService !== indicators.total.in_service) {
    fail(`reen-report: ${inService} devices in service in the pyramid, ${indicators.total.in_service} in the API`);
  } else {
    ok(`reen-report: the age pyramid's ${said.size} bands match its table, ${inService} devices in service as in the API`);
  }
}

async function audit(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) {
    const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    fail(`${name}: axe ${v.impact} ${v.id} (${v.help}) at ${where}`);
  }
  if (bad.length === 0) {
    ok(`${name}: axe-core, no serious or critical violation (${result.passes.length} rules passed, ${result.violations.length} minor)`);
  }
}

async function noSideScroll(page, name, width) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  if (scroll > width) fail(`${name}: the page is ${scroll} px wide at ${width} px`);
}

async function visit(page, name, url, { charts = 1, figures = true } = {}) {
  const response = await page.goto(base + url, { waitUntil: 'load' });
  if (response.status() !== 200) {
    fail(`${name}: ${url} answered ${response.status()}`);
    return false;
  }
  const lang = await page.evaluate(() => document.documentElement.lang);
  const h1 = await page.$$eval('h1', (h) => h.length);
  if (!['fr', 'en'].includes(lang) || h1 !== 1) fail(`${name}: lang="${lang}", ${h1} h1`);
  const drawn = await checkCharts(page, name);
  if (drawn < charts) fail(`${name}: ${drawn} charts, expected at least ${charts}`);
  if (figures) await checkFigures(page, name, url);
  await noSideScroll(page, name, 1280);
  await audit(page, name);
  await page.screenshot({ path: path.join(screens, `${name}.png`), fullPage: true });
  await page.screenshot({ path: path.join(screens, `${name}-top.png`) });
  // Printed on A4 (794 px at 96 dpi): no navigation, nothing cut on the side.
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 794, height: 1123 });
  const navShown = await page.$eval('nav', (n) => getComputedStyle(n).display !== 'none');
  if (navShown) fail(`${name}: the navigation is printed`);
  await noSideScroll(page, `${name} (print)`, 794);
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1280, height: 900 });
  return true;
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parcd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    // A French browser: the pages answer in French without ?lang (Accept-Language).
    locale: 'fr-FR',
    viewport: { width: 1280, height: 900 },
    extraHTTPHeaders: authHeaders,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const indicators = await api('/api/v1/indicators');
    const entity = Object.entries(indicators.by_entity).sort((a, b) => b[1].devices - a[1].devices)[0][0];
    const year = new Date().getUTCFullYear();

    await visit(page, 'overview', '/', { charts: 5 });
    if (!(await page.$('#age-pyramid svg'))) fail('overview: no age pyramid');
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== 'fr') fail(`a French browser gets lang="${lang}"`);
    await visit(page, 'overview-en', '/?lang=en', { charts: 5 });
    await visit(page, 'circularity', '/circularity', { charts: 3 });
    await visit(page, 'printing', `/printing?year=${year}`, { charts: 1 });
    await visit(page, 'mail', `/mail?year=${year}`, { charts: 2 });
    await visit(page, 'sources', '/sources', { charts: 0 });
    await visit(page, 'history', '/history?indicator=embodied_gwp', { charts: 1 });
    await visit(page, 'what-if-empty', '/what-if', { charts: 0, figures: false });

    // The entity filter, as a user: choose the largest entity, submit.
    await page.goto(base + '/');
    await page.selectOption('#entity', entity);
    await Promise.all([page.waitForNavigation(), page.click('form.filter button')]);
    const scope = await page.$eval('.scope strong', (e) => e.textContent).catch(() => null);
    const card = await page.$eval('.cards dd[data-ptr]', (e) => e.dataset.ptr);
    if (scope !== entity || !card.startsWith('/by_entity/')) {
      fail(`entity filter: scope "${scope}", first figure ${card}`);
    } else {
      ok(`entity filter: the overview of "${entity}"`);
    }
    const url = new URL(page.url());
    await visit(page, 'overview-entity', url.pathname + url.search, { charts: 2 });
    await visit(page, 'printing-entity', `/printing?entity=${encodeURIComponent(entity)}`, { charts: 0 });
    await visit(page, 'mail-entity', `/mail?entity=${encodeURIComponent(entity)}`, { charts: 0 });

    // The keyboard reaches the what-if form from the top of the page, and submits it.
    await page.goto(base + '/what-if');
    let reached = null;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => {
        const a = document.activeElement;
        return a && a.closest('form.whatif') && a.tagName === 'INPUT' ? a.name : null;
      });
    }
    if (!reached) {
      fail('keyboard: 40 tabs never reach the what-if form');
    } else {
      ok(`keyboard: tabbing reaches the what-if field "${reached}"`);
      await page.keyboard.type('12');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const result = await page.$('#whatif-result');
      const sim = await api(`/api/v1/simulate?lifespan=${reached}=12y`);
      const shown = await page.$eval(
        `[data-ptr="/simulated/total/gwp"]`,
        (e) => Number(e.dataset.value),
      ).catch(() => null);
      if (!result || shown !== sim.simulated.total.gwp) {
        fail(`what-if: no answer, or ${shown} against the API's ${sim.simulated.total.gwp}`);
      } else if (!(sim.simulated.total.gwp < sim.current.total.gwp)) {
        fail(`what-if: keeping ${reached} 12 years does not lower the embodied impact`);
      } else {
        ok(`what-if: ${reached} kept 12 years, ${sim.current.total.gwp.toFixed(0)} → ${shown.toFixed(0)} kg CO2e a year`);
      }
      await visit(page, 'what-if', new URL(page.url()).pathname + new URL(page.url()).search, { charts: 1 });
    }

    // The REEN review (`parcd report reen`), a file: its charts, its audit, its print.
    if (report) {
      await page.goto('file://' + path.resolve(report));
      // The review's tables follow its charts in their sections.
      const drawn = await checkCharts(page, 'reen-report', { tables: false });
      if (drawn < 5) fail(`reen-report: ${drawn} charts, expected at least 5`);
      await checkReportCharts(page, indicators);
      await noSideScroll(page, 'reen-report', 1280);
      await audit(page, 'reen-report');
      await page.screenshot({ path: path.join(screens, 'reen-report.png'), fullPage: true });
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: 794, height: 1123 });
      await noSideScroll(page, 'reen-report (print)', 794);
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1280, height: 900 });
    }

    // A refused input is a page too, in the reader's language, audited like the others.
    const refused = await page.goto(base + '/what-if?laptop=1000&lang=en');
    const text = await page.textContent('main');
    if (refused.status() !== 400 || !/30/.test(text)) {
      fail(`bad input: ${refused.status()} ${text}`);
    } else {
      ok('bad input: a lifespan of 1000 years is a 400 page naming the bound');
    }
    await audit(page, 'error-page');
    await page.screenshot({ path: path.join(screens, 'error-page.png'), fullPage: true });
  } catch (e) {
    fail(`the browser run stopped: ${e.stack || e}`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${failures.length === 0 ? 'all checks passed' : `${failures.length} checks failed`}`);
  process.exit(failures.length === 0 ? 0 : 1);
})();
