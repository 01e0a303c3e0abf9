// V8 settings for Soutu's long-running Node processes (the desktop library process, `soutu serve`, the CLI): Node 24
// sizes the young generation for throughput (semi-spaces of tens of MB), which kept ~100 MB more resident while
// idle; 4 MB semi-spaces cost nothing measurable in query or indexing time (bench/PERFORMANCE.md).
export const V8_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
