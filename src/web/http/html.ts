/** Markup that is already safe: made by `html` (or `raw`, for the few fixed strings that need it). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

type Value = Html | string | number | bigint | boolean | null | undefined | readonly Value[]

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text for HTML content and quoted attribute values: &, <, >, " and ' escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

/**
 * The one way pages make markup: every interpolated value is escaped unless it is `Html`
 * already (arrays are joined, null, undefined and false leave nothing). Everything that comes
 * from Kafka (keys, values, headers, error messages, topic names) passes through here.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!
  return new Html(out)
}

/** Trusted markup, as written in the source. */
export const raw = (text: string) => new Html(text)

function render(value: Value): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false) return ''
  return escapeHtml(String(value))
}

/**
 * JSON for a `<script type="application/json">` block: `<` is escaped too, so that no value
 * can close the element (`</script>`) or open a comment.
 */
export function jsonBlock(id: string, data: unknown): Html {
  const json = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`)
}
