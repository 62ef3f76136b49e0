import { useCallback, useState } from 'react';

/**
 * A callback ref and the width in whole pixels of the element it is given, kept current as it
 * resizes. The width is 0 until the browser has measured it (so always 0 on the server): charts
 * draw nothing before then, which keeps the server's and the first client render identical.
 */
export function useElementWidth(): [ref: (element: HTMLElement | null) => (() => void) | undefined, width: number] {
  const [width, setWidth] = useState(0);
  const ref = useCallback((element: HTMLElement | null) => {
    if (!element) return undefined;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}
