// The manager dashboard: reads the same public API as every other client.
const params = new URLSearchParams(location.search);
const storeId = params.get('store') ?? 'demo';
const $ = (id) => document.getElementById(id);

// A manager key arrives once in the link the server prints (#key=…) and is kept in this browser.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('key');
if (fromLink) {
  localStorage.setItem('till.managerKey', fromLink);
  history.replaceState(null, '', location.pathname + location.search);
}
let apiKey = localStorage.getItem('till.managerKey');

async function api(path) {
  if (!apiKey) {
    apiKey = prompt('Manager API key (printed by `pnpm start`):')?.trim() ?? null;
    if (apiKey) localStorage.setItem('till.managerKey', apiKey);
  }
  const res = await fetch(path, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const body = await res.json();
  if (res.status === 401) localStorage.removeItem('till.managerKey');
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fill(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }),
  );
}

async function load() {
  const body = await api(`/v1/stores/${encodeURIComponent(storeId)}/summary`);
  const fmt = new Intl.NumberFormat('en-US');
  $('store-name').textContent = body.store.name;
  $('kpi-products').textContent = fmt.format(body.products);
  $('kpi-low').textContent = fmt.format(body.lowStockCount);
  $('kpi-held').textContent = fmt.format(body.heldUnits);
  $('low-count').textContent = `(${fmt.format(body.lowStockCount)})`;
  $('kpi-seq').textContent = body.lastEventSeq ?? '–';
  fill(
    document.querySelector('#categories tbody'),
    body.categories.map((c) => [cell(c.name), cell(fmt.format(c.products), 'num')]),
  );
  lowStock = body.lowStock;
  lowStockCount = body.lowStockCount;
  showLowStock();
  $('status').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  $('status').className = '';
}

// The running-low list shows its worst few; the whole list is one click away.
const LOW_STOCK_ROWS = 12;
let lowStock = [];
let lowStockCount = 0;
let showAllLow = false;

function showLowStock() {
  const shown = showAllLow ? lowStock : lowStock.slice(0, LOW_STOCK_ROWS);
  $('low-more').hidden = lowStock.length <= LOW_STOCK_ROWS;
  const all =
    lowStockCount > lowStock.length ? `the ${lowStock.length} lowest of ${lowStockCount}` : `all ${lowStock.length}`;
  $('low-more').textContent = showAllLow ? 'Show fewer' : `Show ${all}`;
  fill(
    document.querySelector('#low-stock tbody'),
    shown.map((s) => [
      cell(s.sku),
      cell(s.name),
      cell(String(s.available), s.available <= 0 ? 'num zero' : 'num'),
      cell(String(s.threshold), 'num'),
    ]),
  );
}

$('low-more').addEventListener('click', () => {
  showAllLow = !showAllLow;
  showLowStock();
});

function refresh() {
  load().catch((error) => {
    $('status').textContent = `Could not load the dashboard: ${error.message}`;
    $('status').className = 'error';
  });
}

refresh();
setInterval(refresh, 15_000);
