/**
 * Module arguments that hold bare expressions rather than templates, so `validate` reads the
 * names in them: `assert: {that: "x > 1"}`, `debug: {var: result.stdout}`.
 */
export const EXPRESSION_ARGS: Readonly<Record<string, readonly string[]>> = {
  assert: ['that'],
  debug: ['var'],
};
