import type { TickRendererProps } from '@visx/axis';

/**
 * A plain SVG tick label. visx's default label component measures every word in the DOM and wraps
 * each label in an `<svg>`; axis labels here are short and on one line, so that work is skipped.
 * Font and colour come from the page (CSS), not from visx's Arial defaults.
 */
export function AxisTickLabel({ x, y, dx, dy, textAnchor, formattedValue }: TickRendererProps) {
  return (
    <text x={x} y={y} dx={dx} dy={dy} textAnchor={textAnchor} className="fill-slate-500 dark:fill-slate-400 text-[11px]">
      {formattedValue}
    </text>
  );
}
