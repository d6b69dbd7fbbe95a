// A SPARQL client from the npm registry (fetch-sparql-endpoint) against kb serve:
//   node client.mjs ENDPOINT METHOD SELECT-QUERY ASK-QUERY CONSTRUCT-QUERY
// METHOD: GET, POST (a form) or DIRECT (POST with the query as the body).
// prints {"rows": [{var: value}...], "ask": bool, "triples": n} as JSON.
import { SparqlEndpointFetcher } from 'fetch-sparql-endpoint';

const [endpoint, method, select, ask, construct] = process.argv.slice(2);
const fetcher = new SparqlEndpointFetcher(
  method === 'DIRECT' ? { method: 'POST', directPost: true } : { method });

const collect = (stream) => new Promise((resolve, reject) => {
  const items = [];
  stream.on('data', (item) => items.push(item));
  stream.on('error', reject);
  stream.on('end', () => resolve(items));
});

const rows = (await collect(await fetcher.fetchBindings(endpoint, select)))
  .map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.value])));
const answer = await fetcher.fetchAsk(endpoint, ask);
const triples = await collect(await fetcher.fetchTriples(endpoint, construct));
console.log(JSON.stringify({ rows, ask: answer, triples: triples.length }));
