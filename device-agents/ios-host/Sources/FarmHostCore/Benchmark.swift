// The benchmark itself (CONTRACT.md "What the host does"): compile on the device, load with the
// requested compute units, feed the agent's raw input bytes, time warm and timed predictions, and
// turn MLComputePlan's per-op cost estimates into per-layer times marked estimated.
import CoreML
import Foundation

private func ms(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
}

private func mlComputeUnits(_ u: ComputeUnitsArg) -> MLComputeUnits {
    switch u {
    case .all: return .all
    case .cpuOnly: return .cpuOnly
    case .cpuAndGPU: return .cpuAndGPU
    case .cpuAndNeuralEngine: return .cpuAndNeuralEngine
    }
}

/// An .mlpackage arrives as its files (--package-entry); Core ML compiles a directory, so it is rebuilt under tmp.
private func modelSource(_ args: HostArguments) throws -> URL {
    if let model = args.model { return model }
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("farm-\(UUID().uuidString)/model.mlpackage")
    for (rel, file) in args.packageEntries {
        let dest = root.appendingPathComponent(rel)
        try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: file, to: dest)
    }
    return root
}

private func dataType(_ t: MLMultiArrayDataType) -> (String, Int) {
    switch t {
    case .float32: return ("float32", 4)
    case .float16: return ("float16", 2)
    case .double: return ("float64", 8)
    case .int32: return ("int32", 4)
    default: return ("unknown", 4)
    }
}

/// Each input from its raw little-endian file, in the dtype the model declares (CONTRACT.md --input).
private func inputFeatures(_ model: MLModel, _ args: HostArguments) throws -> MLFeatureProvider {
    var values: [String: MLFeatureValue] = [:]
    for input in args.inputs {
        guard let desc = model.modelDescription.inputDescriptionsByName[input.name] else {
            throw HostError("shape_mismatch", "the model has no input \"\(input.name)\"")
        }
        let bytes = try Data(contentsOf: input.file)
        switch desc.type {
        case .multiArray:
            let dtype = desc.multiArrayConstraint?.dataType ?? .float32
            let array = try MLMultiArray(shape: input.dims.map { NSNumber(value: $0) }, dataType: dtype)
            let (name, size) = dataType(dtype)
            guard bytes.count == array.count * size else {
                throw HostError("shape_mismatch", "input \"\(input.name)\": \(bytes.count) bytes for \(array.count) \(name) values")
            }
            array.withUnsafeMutableBytes { dst, _ in bytes.copyBytes(to: dst.bindMemory(to: UInt8.self)) }
            values[input.name] = MLFeatureValue(multiArray: array)
        case .image:
            // Image inputs take interleaved 8-bit BGRA/grey pixels; dims are [1, C, H, W].
            guard let c = desc.imageConstraint, input.dims.count == 4 else { throw HostError("shape_mismatch", "input \"\(input.name)\": expected [1, C, H, W]") }
            var buffer: CVPixelBuffer?
            let format = c.pixelFormatType
            CVPixelBufferCreate(nil, c.pixelsWide, c.pixelsHigh, format, nil, &buffer)
            guard let pb = buffer else { throw HostError("internal", "cannot allocate a \(c.pixelsWide)x\(c.pixelsHigh) pixel buffer") }
            CVPixelBufferLockBaseAddress(pb, [])
            let dst = CVPixelBufferGetBaseAddress(pb)!.assumingMemoryBound(to: UInt8.self)
            let rowBytes = CVPixelBufferGetBytesPerRow(pb)
            let channels = input.dims[1], h = input.dims[2], w = input.dims[3]
            let pixelBytes = format == kCVPixelFormatType_OneComponent8 ? 1 : 4
            bytes.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
                for y in 0..<min(h, c.pixelsHigh) {
                    for x in 0..<min(w, c.pixelsWide) {
                        for ch in 0..<min(channels, pixelBytes) {
                            dst[y * rowBytes + x * pixelBytes + ch] = src[(ch * h + y) * w + x]
                        }
                    }
                }
            }
            CVPixelBufferUnlockBaseAddress(pb, [])
            values[input.name] = MLFeatureValue(pixelBuffer: pb)
        default:
            throw HostError("unsupported_option", "input \"\(input.name)\" is neither a multi-array nor an image")
        }
    }
    return try MLDictionaryFeatureProvider(dictionary: values)
}

/// Writes the first inference's multi-array outputs to --output, in the order of the report's outputs.
private func writeOutputs(_ result: MLFeatureProvider, _ model: MLModel, to url: URL?) throws -> [OutputReport] {
    var data = Data()
    var reports: [OutputReport] = []
    for name in model.modelDescription.outputDescriptionsByName.keys.sorted() {
        guard let array = result.featureValue(for: name)?.multiArrayValue else { continue }
        let (dtype, size) = dataType(array.dataType)
        array.withUnsafeBytes { data.append(contentsOf: $0.prefix(array.count * size)) }
        reports.append(OutputReport(name: name, dtype: dtype, shape: array.shape.map { $0.intValue }))
    }
    if let url = url {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
    return reports
}

private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct PlannedOp {
    let name: String
    let opType: String
    let computeUnit: String
    let cost: Double?
}

@available(iOS 17.4, macOS 14.4, *)
private func unitName(_ d: MLComputeDevice?) -> String {
    switch d {
    case .some(.cpu): return "cpu"
    case .some(.gpu): return "gpu"
    case .some(.neuralEngine): return "neuralEngine"
    default: return "unknown"
    }
}

/// Every op of the main function (nested blocks included, consts left out) or every layer, with its preferred device and cost.
@available(iOS 17.4, macOS 14.4, *)
private func plannedOps(_ compiled: URL, _ config: MLModelConfiguration) async throws -> [PlannedOp] {
    let plan = try await MLComputePlan.load(contentsOf: compiled, configuration: config)
    var ops: [PlannedOp] = []
    func walk(_ block: MLModelStructure.Program.Block) {
        for op in block.operations {
            if op.operatorName != "const" {
                ops.append(PlannedOp(
                    name: op.outputs.first?.name ?? op.operatorName,
                    opType: op.operatorName,
                    computeUnit: unitName(plan.deviceUsage(for: op)?.preferred),
                    cost: plan.estimatedCost(of: op)?.weight))
            }
            for inner in op.blocks { walk(inner) }
        }
    }
    switch plan.modelStructure {
    case .program(let program):
        if let main = program.functions["main"] ?? program.functions.values.first { walk(main.block) }
    case .neuralNetwork(let nn):
        // Neural-network layers get a device but no cost estimate from MLComputePlan.
        for layer in nn.layers { ops.append(PlannedOp(name: layer.name, opType: layer.type, computeUnit: unitName(plan.deviceUsage(for: layer)?.preferred), cost: nil)) }
    default:
        break
    }
    return ops
}

public func runBenchmark(_ args: HostArguments) async throws -> HostReport {
    let before = DeviceState.now()
    let config = MLModelConfiguration()
    config.computeUnits = mlComputeUnits(args.computeUnits)

    let loadStart = DispatchTime.now()
    let compiled: URL
    let model: MLModel
    do {
        compiled = try await MLModel.compileModel(at: try modelSource(args))
        model = try MLModel(contentsOf: compiled, configuration: config)
    } catch let e as HostError {
        throw e
    } catch {
        throw HostError("model_rejected", "\(error.localizedDescription)")
    }
    let loadMs = ms(since: loadStart)

    let features = try inputFeatures(model, args)
    let firstStart = DispatchTime.now()
    let first = try model.prediction(from: features)
    let firstInferenceMs = ms(since: firstStart)
    let outputs = try writeOutputs(first, model, to: args.output)

    for _ in 0..<args.warmup { _ = try model.prediction(from: features) }
    var latencies: [Double] = []
    latencies.reserveCapacity(args.runs)
    for _ in 0..<args.runs {
        let t = DispatchTime.now()
        _ = try model.prediction(from: features)
        latencies.append(ms(since: t))
    }

    var layers: [LayerReport] = []
    var basis: LayerBasis?
    if args.profileRuns > 0, #available(iOS 17.4, macOS 14.4, *) {
        let ops = try await plannedOps(compiled, config)
        let total = ops.compactMap { $0.cost }.reduce(0, +)
        let med = median(latencies)
        if total > 0 {
            // Estimated, never measured: the op's share of the plan's cost times the measured median.
            layers = ops.map { op in
                let w = (op.cost ?? 0) / total
                return LayerReport(name: op.name, opType: op.opType, timeMs: w * med, estimated: true, computeUnit: op.computeUnit, costWeight: op.cost)
            }
            basis = LayerBasis(basis: "estimated", note: "MLComputePlan estimated cost share x measured median (\(String(format: "%.3f", med)) ms)")
        }
    }

    return HostReport(
        runner: "farm-coreml-host", version: versionReport().version, engine: "coreml", contract: contractVersion,
        computeUnits: args.computeUnits.rawValue, threads: 1, loadMs: loadMs, firstInferenceMs: firstInferenceMs,
        latenciesMs: latencies, profiledRuns: layers.isEmpty ? 0 : latencies.count, layerBasis: basis, layers: layers,
        peakMemoryBytes: peakMemoryBytes(), outputs: outputs, os: osDescription(), deviceModel: deviceModelIdentifier(),
        deviceBefore: before, deviceAfter: DeviceState.now())
}
