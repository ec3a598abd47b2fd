import { getIntrospectionQuery, parse, validate, buildSchema, specifiedRules } from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { readFileSync } from 'node:fs';
const schema = buildSchema(readFileSync('/tmp/api.graphql','utf8'));
const doc = parse(getIntrospectionQuery());
for (const n of [8,9,10,11,12,13,14]) {
  const errs = validate(schema, doc, [maxDepthRule({ n, flattenFragments: true, ignoreIntrospection: false, propagateOnRejection: false, onReject: [(c: any, e: any) => c.reportError(e)] })]);
  console.log(n, errs.map(e => e.message));
}
// timing of 1000 dup fields
const dup = parse('{ provinces { ' + 'code '.repeat(1000) + '} }');
let t = Date.now(); let e = validate(schema, dup); console.log('dup1000', Date.now()-t, 'ms', e.length);
const dup2 = parse('{ provinces { ' + 'wards { code } '.repeat(1000) + '} }');
t = Date.now(); e = validate(schema, dup2); console.log('dup1000 nested', Date.now()-t, 'ms', e.length);
const dup3 = parse('{ ' + 'provinces { wards { province { code } } } '.repeat(300) + '}');
t = Date.now(); e = validate(schema, dup3); console.log('dup300 nested3', Date.now()-t, 'ms', e.length);
const cyc = parse('{ provinces { ...A } } fragment A on Province { wards { province { ...B } } } fragment B on Province { code ...A }');
t = Date.now(); e = validate(schema, cyc); console.log('cycle', Date.now()-t, 'ms', e.map(x=>x.message));
console.log(validate(schema, dup).map(e=>e.message), validate(schema, dup2).map(e=>e.message));
console.log(specifiedRules.map(r => r.name).join(' '));
