// The contract's argument vector (CONTRACT.md "Arguments"), parsed strictly: an unknown flag or a
// bad value is `bad_arguments`, so a newer agent never runs an older host with options it ignores.
import Foundation

public enum ComputeUnitsArg: String, Codable {
    case all, cpuOnly, cpuAndGPU, cpuAndNeuralEngine
}

public struct InputArg {
    public let name: String
    public let dims: [Int]
    public let file: URL
}

public struct HostArguments {
    public var execDir: URL?
    public var model: URL?
    public var packageEntries: [(relPath: String, file: URL)] = []
    public var inputs: [InputArg] = []
    public var output: URL?
    public var threads = 1
    public var warmup = 5
    public var runs = 50
    public var profileRuns = 0
    public var computeUnits = ComputeUnitsArg.all
    public var version = false
}

public struct HostError: Error {
    public let code: String
    public let message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    /// CONTRACT.md "Error": the exit status by what the caller can do about it.
    public var exitStatus: Int32 {
        switch code {
        case "bad_arguments", "unsupported_option": return 3
        case "model_rejected", "shape_mismatch": return 2
        default: return 1
        }
    }
}

/// Resolves contract paths: on iOS "/x" is under Documents and relative paths under the workspace.
public struct PathResolver {
    public let containerRoot: URL?
    public let workspace: URL

    public func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") {
            if let root = containerRoot { return root.appendingPathComponent(String(path.dropFirst())) }
            return URL(fileURLWithPath: path)
        }
        return workspace.appendingPathComponent(path)
    }
}

public func parseArguments(_ argv: [String], containerRoot: URL?, cwd: URL) throws -> (HostArguments, PathResolver) {
    var a = HostArguments()
    var raw: [(String, String)] = []
    var i = 0
    while i < argv.count {
        let flag = argv[i]
        if flag == "--version" { a.version = true; i += 1; continue }
        guard flag.hasPrefix("--"), i + 1 < argv.count else { throw HostError("bad_arguments", "expected a flag with a value at \"\(flag)\"") }
        raw.append((flag, argv[i + 1]))
        i += 2
    }
    // The exec directory decides how every other path resolves, so it is read first.
    if let exec = raw.first(where: { $0.0 == "--farm-exec" })?.1 {
        let dir = PathResolver(containerRoot: containerRoot, workspace: cwd).resolve(exec)
        a.execDir = dir
    }
    let resolver = PathResolver(containerRoot: containerRoot, workspace: a.execDir?.deletingLastPathComponent() ?? cwd)
    func int(_ v: String, _ flag: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(v), range.contains(n) else { throw HostError("bad_arguments", "\(flag) \(v) is not in \(range)") }
        return n
    }
    for (flag, v) in raw {
        switch flag {
        case "--farm-exec": break
        case "--model": a.model = resolver.resolve(v)
        case "--package-entry":
            guard let colon = v.firstIndex(of: ":") else { throw HostError("bad_arguments", "--package-entry \(v): expected RELPATH:PATH") }
            let rel = String(v[..<colon])
            // Defence in depth: the agent checked the package, but the host never writes outside its folder.
            if rel.hasPrefix("/") || rel.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) || rel.isEmpty {
                throw HostError("bad_arguments", "--package-entry \(rel): not a relative path inside the package")
            }
            a.packageEntries.append((rel, resolver.resolve(String(v[v.index(after: colon)...]))))
        case "--input":
            // NAME may contain ':', so DIMS and FILE are split from the right.
            let parts = v.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3 else { throw HostError("bad_arguments", "--input \(v): expected NAME:DIMS:FILE") }
            let dims = parts[parts.count - 2].split(separator: "x").compactMap { Int($0) }
            a.inputs.append(InputArg(name: parts[0..<(parts.count - 2)].joined(separator: ":"), dims: dims, file: resolver.resolve(String(parts[parts.count - 1]))))
        case "--output": a.output = resolver.resolve(v)
        case "--threads": a.threads = try int(v, flag, 1...64)
        case "--warmup": a.warmup = try int(v, flag, 0...1000)
        case "--runs": a.runs = try int(v, flag, 1...10000)
        case "--profile-runs": a.profileRuns = try int(v, flag, 0...200)
        case "--compute-units":
            guard let u = ComputeUnitsArg(rawValue: v) else { throw HostError("bad_arguments", "--compute-units \(v) is not all, cpuOnly, cpuAndGPU or cpuAndNeuralEngine") }
            a.computeUnits = u
        default: throw HostError("bad_arguments", "unknown flag \(flag)")
        }
    }
    if !a.version && (a.model == nil) == a.packageEntries.isEmpty {
        throw HostError("bad_arguments", "give either --model or --package-entry")
    }
    return (a, resolver)
}
