/**
 * Reading a page as a browser without JavaScript gets it: its text, a form's hidden fields, the
 * state a server action answered with. Shared by the authorization matrix and the fuzz tests.
 */

const entities: Record<string, string> = { '&quot;': '"', '&#x27;': "'", '&#39;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&', '&nbsp;': ' ' };

/** The text of an HTML fragment: tags and React's `<!-- -->` separators dropped, entities decoded, spaces collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<!--.*?-->/gs, '')
    .replace(/<(script|style)[^>]*>.*?<\/\1>/gs, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(?:quot|#x27|#39|lt|gt|amp|nbsp);/g, (entity) => entities[entity]!)
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The hidden fields of the first form whose markup contains `marker` (an id, a field's name, a
 * button's text), as a browser without JavaScript posts them: the server action's `$ACTION_…`
 * fields and the form's own hidden inputs. Null when there is no such form.
 */
export function hiddenFieldsOfForm(html: string, marker: string): [string, string][] | null {
  const form = html
    .split('<form')
    .slice(1)
    .map((part) => part.slice(0, part.indexOf('</form>')))
    .find((part) => part.includes(marker));
  if (form === undefined) return null;
  const decode = (text: string) => text.replace(/&(?:quot|#x27|#39|lt|gt|amp|nbsp);/g, (entity) => entities[entity]!);
  return [...form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g)].map((match) => [decode(match[1]!), decode(match[2] ?? '')]);
}

/**
 * What a server action posted without JavaScript returned (its `useActionState` state): Next.js
 * renders the page again and hands the state to the page as `self.__next_f.push([2, [state, …]])`.
 * `undefined` when the page carries none.
 */
export function actionStateOf(html: string): unknown {
  const start = html.indexOf('self.__next_f.push([2,');
  if (start === -1) return undefined;
  const end = html.indexOf('</script>', start);
  const json = html.slice(start + 'self.__next_f.push('.length, end).replace(/\)\s*;?\s*$/, '');
  const [, formState] = JSON.parse(json) as [number, [unknown, ...unknown[]] | null];
  return formState?.[0];
}
