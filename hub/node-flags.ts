/**
 * The V8 flags every hub process runs with: `npm start` (package.json passes them to tsx), the
 * gateway or a subgraph run alone, and the benchmarks (tests/bench), which measure the hub as
 * deployed. tests/unit/node-flags.test.ts checks that `npm start` passes every one.
 *
 * --max-semi-space-size=64: a crowd's F2 answer (15,000 rows, parsed, shaped by the gateway and
 * serialised again) and a partner's 5,000-row batch each allocate tens of megabytes that live for
 * one request. With V8's default 16 MB semi-spaces they outlived scavenges, were copied into the
 * old generation and collected there: a fifth of the gateway's and the checkins subgraph's CPU on
 * such requests (profiled). Young-generation memory grows to at most 3 × 64 MB per process.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
