import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.ts';

describe('scratch', () => {
  let hub: TestHub;
  beforeAll(async () => { hub = await startTestHub({ seedDemo: false }); });
  afterAll(() => hub?.stop());
  it('probe', async () => {
    const show = async (label: string, p: Promise<unknown>) => console.log(label, JSON.stringify(await p).slice(0, 600));
    await show('typo', hub.query('{ provinces { nam } }'));
    await show('typo arg', hub.query('{ cases(limt: 3) { id } }'));
    await show('intro', hub.query('{ __schema { queryType { name } } }'));
    const batch = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token()}` }, body: JSON.stringify([{ query: '{ viewer { role } }' }, { query: '{ viewer { role } }' }]) });
    console.log('batch', batch.status, await batch.text());
    const form = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${await hub.token()}` }, body: 'query=%7B%20viewer%20%7B%20role%20%7D%20%7D' });
    console.log('form', form.status, await form.text());
    const get = await fetch(hub.url + '?query=' + encodeURIComponent('mutation { __typename }'), { headers: { authorization: `Bearer ${await hub.token()}`, 'apollo-require-preflight': 'true' } });
    console.log('getmut', get.status, await get.text());
    const getq = await fetch(hub.url + '?query=' + encodeURIComponent('{ viewer { role } }'), { headers: { authorization: `Bearer ${await hub.token()}`, 'apollo-require-preflight': 'true' } });
    console.log('getq', getq.status, await getq.text());
    const getnocsrf = await fetch(hub.url + '?query=' + encodeURIComponent('{ viewer { role } }'), { headers: { authorization: `Bearer ${await hub.token()}` } });
    console.log('get no csrf header', getnocsrf.status, await getnocsrf.text());
    await hub.hub.stopSubgraph('units');
    await show('down', hub.query('{ provinces { code } }'));
  });
});
