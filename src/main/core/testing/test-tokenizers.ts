// Writes the tokenizer files of a generated model: a BERT WordPiece tokenizer, the kind Chinese-CLIP uses (Chinese
// split into characters), over whichever vocabulary the model kind brings.

/** BERT's special tokens; every generated vocabulary holds them, and tokenizer.json lists them as added tokens. */
export const SPECIAL_TOKENS: readonly string[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export interface TokenizerSpec {
  vocab: readonly string[];
  /** tokenizer_config.json's model_max_length. */
  maxLength: number;
}

export function tokenizerFiles(spec: TokenizerSpec): Record<string, unknown> {
  const ids = new Map<string, number>();
  const vocab: Record<string, number> = {};
  spec.vocab.forEach((t, i) => {
    if (ids.has(t)) throw new Error(`duplicate token ${t}`);
    ids.set(t, i);
    vocab[t] = i;
  });
  const id = (t: string): number => ids.get(t) ?? -1;
  const special = (t: string): [string, { id: string; ids: number[]; tokens: string[] }] => [
    t,
    { id: t, ids: [id(t)], tokens: [t] },
  ];
  const seq = (s: 'A' | 'B', type_id: number) => ({ Sequence: { id: s, type_id } });
  const tok = (t: string, type_id: number) => ({ SpecialToken: { id: t, type_id } });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: Object.fromEntries([special('[CLS]'), special('[SEP]')]),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    model_max_length: spec.maxLength,
    do_lower_case: true,
    tokenize_chinese_chars: true,
    strip_accents: null,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  const specialTokensMap = {
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
  return {
    'tokenizer.json': tokenizer,
    'tokenizer_config.json': tokenizerConfig,
    'special_tokens_map.json': specialTokensMap,
  };
}
