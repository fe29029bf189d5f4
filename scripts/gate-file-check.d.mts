/** CommonJS source whose module.exports is `(value) => boolean`: gate.schema.json compiled by ajv. */
export function gateFileCheckCode(): string;
