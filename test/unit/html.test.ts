import { html, page, SafeHtml, HTML_SECURITY_HEADERS } from '../../shared/http/html';

describe('html templates', () => {
  it('escapes every interpolated string', () => {
    const name = `<script>alert('x')</script> & "quotes"`;
    expect(html`<td>${name}</td>`.text).toBe(
      '<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;</td>',
    );
  });

  it('escapes values inside attributes', () => {
    expect(html`<a href="${'" onclick="x'}">`.text).toBe('<a href="&quot; onclick=&quot;x">');
  });

  it('does not escape nested fragments twice', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.text).toBe('<p><b>&lt;i&gt;</b></p>');
  });

  it('renders arrays, numbers, and nothing for null, undefined and false', () => {
    expect(
      html`${[html`<li>${1}</li>`, html`<li>${2.5}</li>`]}${null}${undefined}${false}`.text,
    ).toBe('<li>1</li><li>2.5</li>');
  });

  it('lays out a page whose stylesheet the CSP allows by hash, and nothing else', () => {
    const doc = page('<T>', new SafeHtml('<p>x</p>')).text;
    expect(doc).toContain('<title>&lt;T&gt; · manifest</title>');
    const csp = HTML_SECURITY_HEADERS['Content-Security-Policy']!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).not.toMatch(/script-src/);
  });
});

describe('the page stylesheet', () => {
  it('is exactly what the CSP hash allows', () => {
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const doc = page('t', new SafeHtml('')).text;
    const style = /<style>([\s\S]*?)<\/style>/.exec(doc)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(HTML_SECURITY_HEADERS['Content-Security-Policy']).toContain(`'sha256-${hash}'`);
  });
});
