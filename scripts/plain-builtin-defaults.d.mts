/** The bundle's code with each namespace object of a built-in module that is only read for `.default` made plain. */
export function plainBuiltinDefaults(code: string): string;
