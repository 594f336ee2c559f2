// The report and version objects of CONTRACT.md, and the device state the host reads before and
// after a run. Field names match libs/contracts/src/host-app.schema.ts.
import Foundation
#if canImport(UIKit)
import UIKit
#endif

public let hostVersion = "1.0.0"
public let contractVersion = 1

public struct DeviceState: Codable {
    public let thermalState: String
    public let batteryLevelPercent: Double?
    public let batteryState: String

    public static func now() -> DeviceState {
        let thermal: String
        switch ProcessInfo.processInfo.thermalState {
        case .nominal: thermal = "nominal"
        case .fair: thermal = "fair"
        case .serious: thermal = "serious"
        case .critical: thermal = "critical"
        @unknown default: thermal = "critical"
        }
        #if canImport(UIKit)
        let device = UIDevice.current
        device.isBatteryMonitoringEnabled = true
        // batteryLevel is -1 when monitoring is off or the level is unknown.
        let level = device.batteryLevel < 0 ? nil : Double(device.batteryLevel * 100).rounded()
        let state: String
        switch device.batteryState {
        case .unplugged: state = "unplugged"
        case .charging: state = "charging"
        case .full: state = "full"
        default: state = "unknown"
        }
        return DeviceState(thermalState: thermal, batteryLevelPercent: level, batteryState: state)
        #else
        return DeviceState(thermalState: thermal, batteryLevelPercent: nil, batteryState: "unknown")
        #endif
    }
}

public struct LayerReport: Codable {
    public let name: String
    public let opType: String
    public let timeMs: Double
    public let estimated: Bool
    public let computeUnit: String
    public let costWeight: Double?
}

public struct LayerBasis: Codable {
    public let basis: String
    public let note: String
}

public struct OutputReport: Codable {
    public let name: String
    public let dtype: String
    public let shape: [Int]
}

public struct HostReport: Codable {
    public let runner: String
    public let version: String
    public let engine: String
    public let contract: Int
    public let computeUnits: String?
    public let threads: Int
    public let loadMs: Double
    public let firstInferenceMs: Double
    public let latenciesMs: [Double]
    public let profiledRuns: Int
    public let layerBasis: LayerBasis?
    public let layers: [LayerReport]
    public let peakMemoryBytes: Int
    public let outputs: [OutputReport]
    public let os: String
    public let deviceModel: String
    public let deviceBefore: DeviceState
    public let deviceAfter: DeviceState
}

public struct VersionReport: Codable {
    public let runner: String
    public let version: String
    public let engine: String
    public let contract: Int
}

public func osDescription() -> String {
    let v = ProcessInfo.processInfo.operatingSystemVersion
    #if os(iOS)
    let name = "iOS"
    #else
    let name = "macOS"
    #endif
    return "\(name) \(v.majorVersion).\(v.minorVersion)" + (v.patchVersion > 0 ? ".\(v.patchVersion)" : "")
}

/// The hardware model identifier ("iPhone15,2", "Mac14,2") from uname.
public func deviceModelIdentifier() -> String {
    var info = utsname()
    uname(&info)
    return withUnsafeBytes(of: &info.machine) { buf in
        String(decoding: buf.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

public func versionReport() -> VersionReport {
    VersionReport(runner: "farm-coreml-host", version: "\(hostVersion) (Core ML, \(osDescription()))", engine: "coreml", contract: contractVersion)
}

public func jsonLine<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
}

public func errorLine(_ e: HostError) -> String {
    jsonLine(["error": ["code": e.code, "message": e.message]])
}

/// Peak resident memory of this process (task_vm_info's resident_size_peak).
public func peakMemoryBytes() -> Int {
    var info = task_vm_info_data_t()
    var count = mach_msg_type_number_t(MemoryLayout<task_vm_info_data_t>.size / MemoryLayout<natural_t>.size)
    let kr = withUnsafeMutablePointer(to: &info) {
        $0.withMemoryRebound(to: integer_t.self, capacity: Int(count)) { task_info(mach_task_self_, task_flavor_t(TASK_VM_INFO), $0, &count) }
    }
    return kr == KERN_SUCCESS ? Int(info.resident_size_peak) : 0
}
