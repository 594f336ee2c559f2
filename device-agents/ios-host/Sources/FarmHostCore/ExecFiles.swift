// iOS has no stdout or exit status its launcher can read: the app writes them as files in the exec
// directory, `exit` last and by rename, so its presence means the others are complete (CONTRACT.md "Output").
import Foundation

public func writeExecFiles(dir: URL, stdout: String, stderr: String, status: Int32) {
    let fm = FileManager.default
    try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
    try? Data((stdout.isEmpty ? "" : stdout + "\n").utf8).write(to: dir.appendingPathComponent("stdout"))
    try? Data((stderr.isEmpty ? "" : stderr + "\n").utf8).write(to: dir.appendingPathComponent("stderr"))
    let tmp = dir.appendingPathComponent("exit.tmp")
    try? Data("\(status)\n".utf8).write(to: tmp)
    try? fm.moveItem(at: tmp, to: dir.appendingPathComponent("exit"))
}

/// Runs one invocation and returns what a command-line program would print and its exit status.
public func runInvocation(_ argv: [String], containerRoot: URL?, cwd: URL) async -> (stdout: String, stderr: String, status: Int32, execDir: URL?) {
    do {
        let (args, _) = try parseArguments(argv, containerRoot: containerRoot, cwd: cwd)
        if args.version { return (jsonLine(versionReport()), "", 0, args.execDir) }
        let report = try await runBenchmark(args)
        return (jsonLine(report), "", 0, args.execDir)
    } catch let e as HostError {
        return ("", errorLine(e), e.exitStatus, nil)
    } catch {
        return ("", errorLine(HostError("internal", "\(error)")), 1, nil)
    }
}
