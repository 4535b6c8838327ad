// The workshop lab's switches: reachable only through a LabControls, which main.ts creates in lab
// mode only (config.test.ts proves the refusals). Without one, in any mode, the panel and its API
// are a 404 and every control is on; with one, the panel and its API work, and each switch changes
// what the pages send. Every expectation comes from the one list of controls (common/lab.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_API_PATH, LAB_BANNER_ID, LAB_CONTROL_NAMES } from '../../common/lab';
import { LAB_PAGE_ROUTES, PAGE_ROUTES } from '../../common/pages';
import type { Mode } from '../src/config';
import { LabControls } from '../src/lab/controls';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const MODES: readonly Mode[] = ['emulated', 'test', 'live'];
const JSON_HEADERS = { 'content-type': 'application/json' };

describe.each(MODES)('outside lab mode (%s)', (mode) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ mode });
  });
  afterAll(() => app.close());

  it('serves no lab page and no lab API: 404s', async () => {
    expect(LAB_PAGE_ROUTES.length).toBeGreaterThan(0);
    for (const route of LAB_PAGE_ROUTES) expect((await app.request(route)).status).toBe(404);
    expect((await app.request(LAB_API_PATH)).status).toBe(404);
    for (const name of LAB_CONTROL_NAMES) {
      const response = await app.request(`${LAB_API_PATH}/${name}`, { method: 'PUT', headers: JSON_HEADERS, body: '{"on":false}' });
      expect(response.status).toBe(404);
    }
  });

  it('sends every control on every page: the full CSP, frame-ancestors, X-Frame-Options, no banner', async () => {
    for (const route of PAGE_ROUTES) {
      const page = await app.requestPage(route);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/'nonce-[^']+' 'strict-dynamic'.*frame-ancestors 'none'/);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.text).not.toContain(LAB_BANNER_ID);
    }
  });
});

describe('in lab mode', () => {
  let app: TestApp;
  const lab = new LabControls();
  beforeAll(async () => {
    app = await startTestApp({ lab });
  });
  afterAll(() => app.close());
  const put = (name: string, body: string, headers: Record<string, string> = JSON_HEADERS) =>
    app.request(`${LAB_API_PATH}/${name}`, { method: 'PUT', headers, body });
  const allOn = () => LAB_CONTROL_NAMES.forEach((name) => lab.set(name, true));

  it('serves the panel with the same CSP discipline as every page (nonce, strict-dynamic), and every switch on', async () => {
    allOn();
    for (const route of LAB_PAGE_ROUTES) {
      const page = await app.request(route);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-[^']+' 'strict-dynamic'/);
    }
    const state = await app.request(LAB_API_PATH);
    expect(state.status).toBe(200);
    expect(state.headers['cache-control']).toBe('no-store');
    expect(state.json()).toEqual({ controls: LAB_CONTROL_NAMES.map((name) => ({ name, on: true })) });
  });

  it('switches a control off and on through the API, with a banner naming it on every page while it is off', async () => {
    allOn();
    for (const name of LAB_CONTROL_NAMES) {
      const off = await put(name, '{"on":false}');
      expect(off.status).toBe(200);
      expect(off.json()).toEqual({ controls: LAB_CONTROL_NAMES.map((each) => ({ name: each, on: each !== name })) });
      for (const route of [...PAGE_ROUTES, ...LAB_PAGE_ROUTES]) {
        const page = await app.requestPage(route);
        expect(page.text).toContain(`id="${LAB_BANNER_ID}"`);
        expect(page.text).toContain(`controls off: ${name}.`);
        expect(Number(page.headers['content-length'])).toBe(Buffer.byteLength(page.text));
      }
      expect((await put(name, '{"on":true}')).status).toBe(200);
      expect((await app.request('/')).text).not.toContain(LAB_BANNER_ID);
    }
  });

  it('csp off sends no CSP; csp-strict off sends the weakened one; frame-ancestors off drops both framing headers', async () => {
    allOn();
    await put('csp', '{"on":false}');
    expect((await app.request('/payment')).headers['content-security-policy']).toBeUndefined();
    await put('csp', '{"on":true}');

    await put('csp-strict', '{"on":false}');
    const weak = String((await app.request('/payment')).headers['content-security-policy']);
    expect(weak).toMatch(/script-src 'self' 'unsafe-inline' \*(;|$)/);
    expect(weak).toMatch(/connect-src [^;]* \*(;|$)/);
    expect(weak).not.toMatch(/nonce-|strict-dynamic/);
    await put('csp-strict', '{"on":true}');

    await put('frame-ancestors', '{"on":false}');
    const framable = await app.request('/payment');
    expect(framable.headers['content-security-policy']).not.toContain('frame-ancestors');
    expect(framable.headers['x-frame-options']).toBeUndefined();
    await put('frame-ancestors', '{"on":true}');
    const framed = await app.request('/payment');
    expect(framed.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(framed.headers['x-frame-options']).toBe('DENY');
  });

  it('refuses a cross-site switch even with origin-check off, and bad input with a 4xx that changes nothing', async () => {
    allOn();
    lab.set('origin-check', false);
    const crossSite = await put('csp', '{"on":false}', {
      ...JSON_HEADERS,
      origin: 'https://attacker.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    expect(lab.isOn('csp')).toBe(true);
    lab.set('origin-check', true);

    const cases: [string, string, Record<string, string>, number, string][] = [
      ['no-such-control', '{"on":false}', JSON_HEADERS, 404, 'not_found'],
      ['csp', '{"on":"no"}', JSON_HEADERS, 400, 'invalid_request'],
      ['csp', '{"on":false,"extra":1}', JSON_HEADERS, 400, 'invalid_request'],
      ['csp', 'on=false', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      ['csp', '{"on":', JSON_HEADERS, 400, 'invalid_json'],
    ];
    for (const [name, body, headers, status, code] of cases) {
      const response = await put(name, body, headers);
      expect(response.status, `${name} ${body}`).toBe(status);
      expect(response.json()).toMatchObject({ error: { code } });
    }
    expect(lab.offControls()).toEqual([]);
  });
});
