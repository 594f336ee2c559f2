// The iOS app: launched by Appium (`mobile: launchApp` with the contract's arguments), it runs one
// benchmark, writes the exec files under its Documents directory and ends itself. Launched without
// arguments (by hand) it only shows its version, so an idle app on a farm phone does nothing.
import FarmHostCore
import SwiftUI

@main
struct FarmHostApp: App {
    @State private var status = "farm-coreml-host \(hostVersion): waiting for a launch with arguments"

    var body: some Scene {
        WindowGroup {
            Text(status).padding().task { await run() }
        }
    }

    private func run() async {
        let argv = Array(ProcessInfo.processInfo.arguments.dropFirst())
        guard !argv.isEmpty else { return }
        let documents = FileManager.default.urls(for: .documentDirectory, in: .userDomainMask)[0]
        status = "benchmarking"
        let r = await runInvocation(argv, containerRoot: documents, cwd: documents)
        // An argument error may come before --farm-exec was read: fall back to the flag's raw value.
        let execDir = r.execDir ?? execDirFromArgv(argv, documents)
        if let dir = execDir { writeExecFiles(dir: dir, stdout: r.stdout, stderr: r.stderr, status: r.status) }
        // Ending the app is what tells the launcher the run is over; an app that stayed would hold Core ML's memory.
        exit(r.status)
    }

    private func execDirFromArgv(_ argv: [String], _ documents: URL) -> URL? {
        guard let i = argv.firstIndex(of: "--farm-exec"), i + 1 < argv.count else { return nil }
        let v = argv[i + 1]
        return v.hasPrefix("/") ? documents.appendingPathComponent(String(v.dropFirst())) : documents.appendingPathComponent(v)
    }
}
