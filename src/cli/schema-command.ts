/**
 * `gate schema [gate|report]`: the JSON Schema of the gate file, or of `closeout.json`.
 * Both are generated from the zod models that gate itself uses, so the published schema
 * and the validation cannot drift; the shipped `gate.schema.json` and
 * `schemas/closeout.schema.json` are this command's output (`npm run schema`).
 */
import * as z from 'zod';
import { gateFileSchema } from '../load/schema.js';
import { reportSchema } from '../model/report-schema.js';
import { EXIT, type Io } from './io.js';

export const SCHEMA_KINDS = ['gate', 'report'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const TITLES: Record<SchemaKind, string> = {
  gate: 'gate file (gates/<id>.json)',
  report: 'gate closeout report (closeout.json)',
};

/** The JSON Schema (draft 2020-12) of a gate file (as written: `io: 'input'`) or of a report. */
export async function jsonSchemaOf(kind: SchemaKind): Promise<Record<string, unknown>> {
  const generated = kind === 'gate' ? z.toJSONSchema(await gateFileSchema(), { io: 'input' }) : z.toJSONSchema(reportSchema, { io: 'output' });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, title: TITLES[kind], ...rest };
}

/** The schema as the shipped files hold it: two-space JSON and a final newline. */
export async function renderJsonSchema(kind: SchemaKind): Promise<string> {
  return `${JSON.stringify(await jsonSchemaOf(kind), null, 2)}\n`;
}

/** Needs nothing but stdout: it reads no file, so it works where the current directory is gone. */
export async function schemaCommand(kind: SchemaKind, io: Pick<Io, 'stdout'>): Promise<number> {
  io.stdout.write(await renderJsonSchema(kind));
  return EXIT.go;
}
