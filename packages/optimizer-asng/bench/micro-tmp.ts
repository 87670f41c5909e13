import { categorical, Rng } from '@asng/core';
import { createAsng, rankingUtility } from '../src/index.js';
const cell = [2, 2, 5, 5, 3, 3, 5, 5, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 5, 5];
const variables = ['normal', 'reduce'].flatMap((type) => cell.map((k, i) => categorical(`${type}.${i}`, Array.from({ length: k }, (_, j) => j))));
const opt = createAsng({ variables, seed: 1 });
const d = opt.distribution; const rng = new Rng(3); const cat = d.categorical!;
const N = 200000; let t: bigint; let sink: unknown;
const us = (t: bigint) => (Number(process.hrtime.bigint() - t) / 1e3 / N).toFixed(3);
for (let rep = 0; rep < 2; rep++) {
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = cat.sample(2, rng); console.log('cat.sample2', us(t));
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = d.sample(2, rng); console.log('d.sample2', us(t));
const s = d.sample(2, rng);
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = d.decode(s[0]!); console.log('decode', us(t));
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = opt.ask(); console.log('ask', us(t));
const l = [0.3, 0.1];
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = rankingUtility(l); console.log('utility', us(t));
const u = new Float64Array([1, -1]);
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = d.naturalGradient(s, u); console.log('natgrad', us(t));
const g = d.naturalGradient(s, u);
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) sink = d.fisherSqrt(g); console.log('fisher', us(t));
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) d.restrictRange(); console.log('restrict', us(t));
t = process.hrtime.bigint(); for (let i = 0; i < N; i++) { const c = opt.ask(); opt.tell(c, l); } console.log('askTell', us(t));
}
void sink;
