// macOS command-line host: the contract over real stdout, stderr and exit status, for a Mac agent's local transport.
import FarmHostCore
import Foundation

let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let result = await runInvocation(Array(CommandLine.arguments.dropFirst()), containerRoot: nil, cwd: cwd)
if !result.stdout.isEmpty { print(result.stdout) }
if !result.stderr.isEmpty { FileHandle.standardError.write(Data((result.stderr + "\n").utf8)) }
exit(result.status)
