// Types for the three OpenCC character tables that text-fold.ts reads from opencc-js's per-dictionary files
// (the package's `./*` export has no type declarations): "from to|from to|…" strings.
declare module 'opencc-js/dict/TSCharacters' {
  const dict: string;
  export default dict;
}
declare module 'opencc-js/dict/TWVariantsRev' {
  const dict: string;
  export default dict;
}
declare module 'opencc-js/dict/HKVariantsRev' {
  const dict: string;
  export default dict;
}
