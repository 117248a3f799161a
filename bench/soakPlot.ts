// The soak's plot: call set-up latency (p50, p99 per time bucket) and the daemon's RSS over
// the run, with the faults marked, as one hand-written SVG (no plotting dependency).

export interface LatencyBucket {
  /** Seconds since the start of the run (bucket start). */
  t: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RssSample {
  t: number;
  rssMb: number;
}

export interface FaultMark {
  t: number;
  kind: string;
}

export interface SoakPlotInput {
  title: string;
  seconds: number;
  latency: LatencyBucket[];
  rss: RssSample[];
  faults: FaultMark[];
  /** End of the warm-up, seconds. */
  warmupSeconds: number;
}

const W = 960;
const PANEL_H = 220;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 60;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least max. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function panel(
  top: number,
  label: string,
  unit: string,
  seconds: number,
  series: { name: string; color: string; points: [number, number][] }[],
  faults: FaultMark[],
  warmupSeconds: number,
  logScale: boolean,
): string {
  const plotW = W - LEFT - RIGHT;
  const values = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  const max = niceMax(values.length ? Math.max(...values) : 1);
  const min = logScale ? Math.max(0.1, 10 ** Math.floor(Math.log10(Math.min(...values, max)))) : 0;
  const x = (t: number) => LEFT + (t / Math.max(1, seconds)) * plotW;
  const y = (v: number) => {
    if (logScale) {
      const f = (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min) || 1);
      return top + PANEL_H - f * PANEL_H;
    }
    return top + PANEL_H - (v / max) * PANEL_H;
  };
  const out: string[] = [];
  out.push(`<text x="${LEFT}" y="${top - 8}" font-size="13" font-weight="bold">${esc(label)}</text>`);
  out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL_H}" fill="#fafafa" stroke="#999"/>`);
  if (warmupSeconds > 0)
    out.push(
      `<rect x="${LEFT}" y="${top}" width="${x(warmupSeconds) - LEFT}" height="${PANEL_H}" fill="#eee"><title>warm-up</title></rect>`,
    );
  // y ticks
  const ticks: number[] = [];
  if (logScale) for (let v = min; v <= max * 1.0001; v *= 10) ticks.push(v);
  else for (let i = 0; i <= 4; i++) ticks.push((max * i) / 4);
  for (const v of ticks) {
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${+v.toPrecision(3)}</text>`);
  }
  out.push(
    `<text x="16" y="${top + PANEL_H / 2}" font-size="11" transform="rotate(-90 16 ${top + PANEL_H / 2})" text-anchor="middle">${esc(unit)}</text>`,
  );
  // x ticks: minutes
  const stepMin = seconds > 1200 ? 5 : seconds > 300 ? 1 : 0.5;
  for (let m = 0; m * 60 <= seconds; m += stepMin) {
    out.push(`<line x1="${x(m * 60)}" x2="${x(m * 60)}" y1="${top + PANEL_H}" y2="${top + PANEL_H + 4}" stroke="#999"/>`);
    out.push(`<text x="${x(m * 60)}" y="${top + PANEL_H + 16}" font-size="11" text-anchor="middle">${m}</text>`);
  }
  out.push(`<text x="${LEFT + plotW / 2}" y="${top + PANEL_H + 32}" font-size="11" text-anchor="middle">minutes</text>`);
  for (const f of faults) {
    out.push(
      `<line x1="${x(f.t)}" x2="${x(f.t)}" y1="${top}" y2="${top + PANEL_H}" stroke="#d33" stroke-dasharray="3,3"><title>${esc(f.kind)} at ${f.t.toFixed(1)} s</title></line>`,
    );
  }
  let legendX = LEFT + plotW - 10;
  for (const s of [...series].reverse()) {
    if (s.points.length) {
      const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    }
    out.push(`<text x="${legendX}" y="${top + 14}" font-size="11" text-anchor="end" fill="${s.color}">${esc(s.name)}</text>`);
    legendX -= 12 + s.name.length * 6.5;
  }
  return out.join('\n');
}

export function soakSvg(input: SoakPlotInput): string {
  const h = TOP + 2 * PANEL_H + GAP + 60;
  const faultKinds = [...new Set(input.faults.map((f) => f.kind))].join(', ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif">`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    `<text x="${LEFT}" y="20" font-size="14">${esc(input.title)}</text>`,
    panel(
      TOP + 10,
      'Call set-up latency (INVITE → final response), per 10 s; red dashes: faults' + (faultKinds ? ` (${faultKinds})` : ''),
      'ms (log)',
      input.seconds,
      [
        { name: 'p50', color: '#1f77b4', points: input.latency.map((b) => [b.t, b.p50Ms]) },
        { name: 'p99', color: '#ff7f0e', points: input.latency.map((b) => [b.t, b.p99Ms]) },
      ],
      input.faults,
      input.warmupSeconds,
      true,
    ),
    panel(
      TOP + 10 + PANEL_H + GAP,
      'Daemon RSS (grey: warm-up)',
      'MB',
      input.seconds,
      [{ name: 'RSS', color: '#2ca02c', points: input.rss.map((s) => [s.t, s.rssMb]) }],
      input.faults,
      input.warmupSeconds,
      false,
    ),
    '</svg>',
    '',
  ].join('\n');
}
