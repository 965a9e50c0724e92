// ts-morph's CodeBlockWriter comes from its own package, code-block-writer: ts-morph re-exports
// this very class. Importing it directly keeps the TypeScript compiler (0.4 s to load, 20 MB to
// install) out of codegen and out of the dependencies of every app.
import CodeBlockWriterClass from 'code-block-writer'

export type CodeBlockWriter = CodeBlockWriterClass

/** A ts-morph writer set up for generated code: two-space indents, single quotes, \n. */
export function createWriter(): CodeBlockWriter {
  return new CodeBlockWriterClass({ indentNumberOfSpaces: 2, useSingleQuote: true, newLine: '\n' })
}

/** One emitted file: where it goes and its text. */
export interface EmittedFile {
  path: string
  content: string
}
