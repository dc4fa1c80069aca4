/**
 * A hand-written SVG line chart of calls per second at the server, one line
 * per scenario, with the quota as a dashed line. No dependency: the chart is
 * a few polylines and text.
 */
export interface RateSeries {
  label: string;
  color: string;
  /** Calls in each 1 s bucket from the scenario's first call. */
  perSecond: number[];
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Calls per 1 s bucket, counted from the first arrival. */
export function bucketPerSecond(arrivals: readonly number[]): number[] {
  if (arrivals.length === 0) return [];
  const start = Math.min(...arrivals);
  const buckets: number[] = [];
  for (const at of arrivals) {
    const i = Math.floor((at - start) / 1000);
    while (buckets.length <= i) buckets.push(0);
    buckets[i] = (buckets[i] as number) + 1;
  }
  return buckets;
}

export function renderRatePlot(options: {
  title: string;
  quota: number;
  series: RateSeries[];
  width?: number;
  height?: number;
}): string {
  const { title, quota, series, width = 900, height = 420 } = options;
  const margin = { left: 60, right: 20, top: 40, bottom: 50 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const maxSeconds = Math.max(1, ...series.map((s) => s.perSecond.length));
  const peak = Math.max(quota, ...series.flatMap((s) => s.perSecond));
  const maxY = Math.ceil((peak * 1.1) / 50) * 50;
  const x = (second: number) => margin.left + (second / maxSeconds) * plotW;
  const y = (value: number) => margin.top + plotH - (value / maxY) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  );
  for (let v = 0; v <= maxY; v += 50) {
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${margin.left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    );
  }
  const step = maxSeconds > 60 ? 10 : 5;
  for (let s = 0; s <= maxSeconds; s += step) {
    parts.push(
      `<text x="${x(s)}" y="${height - margin.bottom + 18}" text-anchor="middle">${s}</text>`,
    );
  }
  parts.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="black"/>`,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="black"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">seconds since the first call</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">DestroySession calls per second at the server</text>`,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(quota)}" y2="${y(quota)}" stroke="#d00" stroke-dasharray="6 4"/>`,
    `<text x="${width - margin.right - 4}" y="${y(quota) - 6}" text-anchor="end" fill="#d00">quota ${quota}/s</text>`,
  );
  series.forEach((s, index) => {
    // Each bucket drawn as a step: flat across its second.
    const points = s.perSecond.flatMap((v, i) => [`${x(i)},${y(v)}`, `${x(i + 1)},${y(v)}`]);
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`,
      `<rect x="${margin.left + 12}" y="${margin.top + 8 + index * 18}" width="14" height="4" fill="${s.color}"/>`,
      `<text x="${margin.left + 32}" y="${margin.top + 14 + index * 18}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
