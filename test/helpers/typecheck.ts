import path from 'node:path'
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget, ts } from 'ts-morph'

/** Type-checks `files` (absolute paths) under strict NodeNext settings; returns each file's error messages. */
export function typecheck(files: string[]): Map<string, string[]> {
  const project = new Project({
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      types: ['node'],
    },
  })
  for (const file of files) project.addSourceFileAtPath(file)
  project.resolveSourceFileDependencies()
  const errors = new Map<string, string[]>(files.map((file) => [path.resolve(file), []]))
  for (const diagnostic of project.getPreEmitDiagnostics()) {
    const file = diagnostic.getSourceFile()?.getFilePath()
    const message = ts.flattenDiagnosticMessageText(diagnostic.compilerObject.messageText, '\n')
    const list = file === undefined ? undefined : errors.get(path.resolve(file))
    if (list) list.push(message)
    else errors.set(file ?? '(global)', [...(errors.get(file ?? '(global)') ?? []), message])
  }
  return errors
}
