/**
 * Small inline SVG charts for the report page: no script, no network, no
 * library. Every chart is a plain `<svg>` with a `<title>` per bar, so a
 * reader can hover a bar for its figure.
 */

export interface Series {
  name: string;
  color: string;
  values: readonly number[];
}

const WIDTH = 760;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 36 };

/** Escapes text for HTML and SVG. */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** A round top for the axis: 1, 2 or 5 times a power of ten. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((step) => step * power >= max) ?? 10) * power;
}

function axis(max: number, unit: string): string {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  return [0, 0.5, 1]
    .map((share) => {
      const y = PAD.top + plotHeight * (1 - share);
      return (
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
        `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${fmt(max * share)}${unit}</text>`
      );
    })
    .join('');
}

/**
 * A stacked bar chart: one bar per label, one stacked segment per series.
 * `labelEvery` thins the x labels when there are many bars.
 */
export function stackedBarChart(options: {
  title: string;
  labels: readonly string[];
  series: readonly Series[];
  unit?: string;
  labelEvery?: number;
}): string {
  const { labels, series } = options;
  const unit = options.unit ?? '';
  const totals = labels.map((_, index) =>
    series.reduce((sum, each) => sum + (each.values[index] ?? 0), 0),
  );
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, labels.length);
  const barWidth = Math.max(1, slot * 0.8);
  const every = options.labelEvery ?? Math.max(1, Math.ceil(labels.length / 12));
  const bars: string[] = [];
  labels.forEach((label, index) => {
    let base = PAD.top + plotHeight;
    const x = PAD.left + index * slot + (slot - barWidth) / 2;
    for (const each of series) {
      const value = each.values[index] ?? 0;
      if (value <= 0) continue;
      const height = (value / max) * plotHeight;
      base -= height;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" fill="${each.color}"><title>${escapeXml(`${label} ${each.name}: ${fmt(value)}${unit}`)}</title></rect>`,
      );
    }
    if (index % every === 0) {
      bars.push(
        `<text x="${(x + barWidth / 2).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle" font-size="11">${escapeXml(label)}</text>`,
      );
    }
  });
  const legend = series
    .map(
      (each, index) =>
        `<rect x="${PAD.left + index * 120}" y="${HEIGHT - 12}" width="10" height="10" fill="${each.color}"/>` +
        `<text x="${PAD.left + index * 120 + 14}" y="${HEIGHT - 3}" font-size="11">${escapeXml(each.name)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" aria-label="${escapeXml(options.title)}">` +
    `<title>${escapeXml(options.title)}</title>${axis(max, unit)}${bars.join('')}${legend}</svg>`
  );
}
