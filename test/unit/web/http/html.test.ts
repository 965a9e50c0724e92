import assert from 'node:assert/strict'
import { it } from 'node:test'
import { escapeHtml, html, jsonBlock, raw } from '../../../../src/web/http/html.js'

it('escapes every interpolated value (text and quoted attributes), joins arrays, leaves out null and false, keeps Html as it is', () => {
  const key = '<img src=x onerror="alert(1)">'
  const page = html`<td title="${key}">${key}</td>${[html`<b>${'a&b'}</b>`, "it's"]}${null}${false}${raw('<hr>')}`
  assert.equal(
    page.text,
    '<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td><b>a&amp;b</b>it&#39;s<hr>',
  )
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;')
})

it('a JSON block cannot be closed by the data it holds', () => {
  const block = jsonBlock('chart', { label: '</script><script>alert(1)</script>', line: '\u2028' }).text
  assert.equal(block.indexOf('</script>'), block.length - '</script>'.length, 'only the block itself closes')
  const json = block.slice(block.indexOf('>') + 1, -'</script>'.length)
  assert.deepEqual(JSON.parse(json), { label: '</script><script>alert(1)</script>', line: '\u2028' })
})
