// ts-morph's CodeBlockWriter, from its own package: the same class ts-morph re-exports,
// without loading the TypeScript compiler (0.4 s) that codegen does not need.
import CodeBlockWriterClass from 'code-block-writer'
import type { CodeBlockWriter } from 'ts-morph'

/** A ts-morph writer set up for generated code: two-space indents, single quotes, \n. */
export function createWriter(): CodeBlockWriter {
  return new CodeBlockWriterClass({ indentNumberOfSpaces: 2, useSingleQuote: true, newLine: '\n' })
}

/** One emitted file: where it goes and its text. */
export interface EmittedFile {
  path: string
  content: string
}
