// The bench chart as hand-written SVG: latency distribution against the floor; fan-out cost against connections.
import type { FanOutResult } from './fanout';
import type { FloorResult } from './floor';
import type { LatencyResult } from './latency';
import { percentile } from './stats';

const WIDTH = 900;
const PANEL = 360;
const MARGIN = { left: 70, right: 30, top: 50, bottom: 50 };
const COLORS = { ours: '#1f77b4', oursLight: '#6baed6', sample: '#d62728', sampleLight: '#fc9272', floor: '#2ca02c' };

const esc = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const fmt = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(content)}</text>`;
}

function lineEl(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;
}

/** Round tick steps (1, 2, 5 × 10^n) giving about `count` ticks over [0, max]. */
function ticks(max: number, count = 6): number[] {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const result: number[] = [];
  for (let value = 0; value <= max + 1e-9; value += step) result.push(Number(value.toFixed(6)));
  return result;
}

function latencyPanel(latency: LatencyResult, floor: FloorResult, top: number): string {
  const sorted = [...latency.samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  const p99 = percentile(sorted, 99);
  const xMax = Math.max(p99 * 1.3, floor.combined.p99 * 1.1);
  const bins = 60;
  const binWidth = xMax / bins;
  const counts = new Array<number>(bins).fill(0);
  let beyond = 0;
  for (const value of sorted) {
    if (value >= xMax) beyond++;
    else {
      const bin = Math.floor(value / binWidth);
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
  }
  const yMax = Math.max(...counts, 1);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL - MARGIN.top - MARGIN.bottom;
  const x = (value: number) => MARGIN.left + (value / xMax) * plotW;
  const y = (value: number) => top + MARGIN.top + plotH - (value / yMax) * plotH;
  const parts: string[] = [
    text(
      MARGIN.left,
      top + 28,
      `${latency.path} → operator frame, ${latency.messages} messages (ms); floor = PutItem + frame`,
      'font-size="15" font-weight="bold"',
    ),
  ];
  counts.forEach((count, i) => {
    if (!count) return;
    const x0 = x(i * binWidth);
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${y(count).toFixed(1)}" width="${Math.max(1, x((i + 1) * binWidth) - x0 - 1).toFixed(1)}" height="${(y(0) - y(count)).toFixed(1)}" fill="${COLORS.oursLight}"/>`,
    );
  });
  parts.push(lineEl(x(0), y(0), x(xMax), y(0), 'stroke="#333"'), lineEl(x(0), y(0), x(0), y(yMax), 'stroke="#333"'));
  for (const tick of ticks(xMax)) {
    parts.push(lineEl(x(tick), y(0), x(tick), y(0) + 5, 'stroke="#333"'));
    parts.push(text(x(tick), y(0) + 20, fmt(tick), 'font-size="12" text-anchor="middle"'));
  }
  for (const tick of ticks(yMax, 4)) {
    parts.push(text(x(0) - 8, y(tick) + 4, fmt(tick), 'font-size="12" text-anchor="end"'));
  }
  parts.push(
    text(x(0) - 50, y(yMax / 2), 'messages', `font-size="12" transform="rotate(-90 ${x(0) - 50} ${y(yMax / 2)})"`),
  );
  const markers: Array<[string, number, string]> = [
    [`floor p50 ${fmt(floor.combined.p50)}`, floor.combined.p50, COLORS.floor],
    [`floor p99 ${fmt(floor.combined.p99)}`, floor.combined.p99, COLORS.floor],
    [`p50 ${fmt(p50)}`, p50, COLORS.ours],
    [`p95 ${fmt(p95)}`, p95, COLORS.ours],
    [`p99 ${fmt(p99)}`, p99, COLORS.sample],
  ];
  markers.forEach(([label, value, color], i) => {
    parts.push(lineEl(x(value), y(0), x(value), y(yMax), `stroke="${color}" stroke-dasharray="4 3"`));
    parts.push(text(x(value) + 4, y(yMax) + 14 + i * 14, label, `font-size="12" fill="${color}"`));
  });
  if (beyond) {
    parts.push(text(x(xMax), y(yMax) - 6, `${beyond} beyond ${fmt(xMax)} ms`, 'font-size="12" text-anchor="end"'));
  }
  return parts.join('\n');
}

function fanOutPanel(fanOut: FanOutResult, top: number): string {
  const points = fanOut.points;
  const xMax = Math.max(...points.map((p) => p.connected), 1);
  const yTop = Math.max(...points.flatMap((p) => [p.baseline.posts, p.baseline.itemsRead, p.ours.itemsRead]), 10);
  const decades = Math.ceil(Math.log10(yTop));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL - MARGIN.top - MARGIN.bottom;
  const x = (value: number) => MARGIN.left + (value / xMax) * plotW;
  const y = (value: number) => top + MARGIN.top + plotH - (Math.log10(Math.max(1, value)) / decades) * plotH;
  const parts: string[] = [
    text(
      MARGIN.left,
      top + 28,
      `Fan-out of one ticket frame vs connected operators (${fanOut.visible} may see it), log scale`,
      'font-size="15" font-weight="bold"',
    ),
    lineEl(x(0), y(1), x(xMax), y(1), 'stroke="#333"'),
    lineEl(x(0), y(1), x(0), y(10 ** decades), 'stroke="#333"'),
  ];
  for (const tick of ticks(xMax, 5)) {
    parts.push(lineEl(x(tick), y(1), x(tick), y(1) + 5, 'stroke="#333"'));
    parts.push(text(x(tick), y(1) + 20, fmt(tick), 'font-size="12" text-anchor="middle"'));
  }
  parts.push(text(x(xMax / 2), y(1) + 40, 'connected operators', 'font-size="12" text-anchor="middle"'));
  for (let decade = 0; decade <= decades; decade++) {
    const value = 10 ** decade;
    parts.push(lineEl(x(0), y(value), x(xMax), y(value), 'stroke="#ddd"'));
    parts.push(text(x(0) - 8, y(value) + 4, String(value), 'font-size="12" text-anchor="end"'));
  }
  const series: Array<[string, (p: (typeof points)[number]) => number, string, string]> = [
    ['AWS sample: posts', (p) => p.baseline.posts, COLORS.sample, ''],
    ['AWS sample: items read', (p) => p.baseline.itemsRead, COLORS.sampleLight, 'stroke-dasharray="6 4"'],
    ['ours: posts', (p) => p.ours.posts, COLORS.ours, ''],
    ['ours: items read', (p) => p.ours.itemsRead, COLORS.oursLight, 'stroke-dasharray="6 4"'],
  ];
  series.forEach(([label, pick, color, dash], i) => {
    const path = points
      .map((p, j) => `${j ? 'L' : 'M'}${x(p.connected).toFixed(1)},${y(pick(p)).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2" ${dash}/>`);
    for (const p of points) {
      parts.push(`<circle cx="${x(p.connected).toFixed(1)}" cy="${y(pick(p)).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const legendY = top + MARGIN.top + 10 + i * 16;
    parts.push(lineEl(x(0) + 16, legendY - 4, x(0) + 40, legendY - 4, `stroke="${color}" stroke-width="2" ${dash}`));
    parts.push(text(x(0) + 46, legendY, label, 'font-size="12"'));
  });
  return parts.join('\n');
}

export function benchChart(latency: LatencyResult, floor: FloorResult, fanOut: FanOutResult): string {
  const height = PANEL * 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    latencyPanel(latency, floor, 0),
    fanOutPanel(fanOut, PANEL),
    '</svg>',
    '',
  ].join('\n');
}
