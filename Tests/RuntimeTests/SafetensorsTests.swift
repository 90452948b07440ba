import CanopyRuntime
import CanopyTestSupport
import Foundation
import Testing

@Suite struct SafetensorsTests {
    @Test func roundTripsFloatAndIntTensorsWithMetadata() throws {
        let weights = TensorStorage([2, 3], floats: [1, -2.5, 3.25, .pi, -0.0, 1e-30])
        let targets = TensorStorage([4], ints: [0, 7, -1, Int32.max])
        var writer = SafetensorsWriter(metadata: ["op": "conv2d", "attrs": "{\"stride\": 1}", "note": "é \"quoted\"\n"])
        try writer.add("w", weights.tensor)
        try writer.add("t", targets.tensor)
        try writer.add("scalar", floats: [42], shape: [])
        try writer.add("empty", floats: [], shape: [0, 3])
        try writer.add("raw16", dtype: .float16, shape: [2], bytes: SafetensorsBytes.le([UInt16(0x3C00), 0xC000]))

        let dir = SafetensorsBytes.temporaryDirectory()
        let path = dir + "/case.safetensors"
        try writer.write(to: path)
        let file = try SafetensorsFile(contentsOf: path)

        #expect(file.metadata == writer.metadata)
        #expect(file.names == ["empty", "scalar", "w", "t", "raw16"])
        let w = try file.tensor("w")
        #expect(w.dtype == .float32 && w.shape == [2, 3])
        #expect(w.floats().map(\.bitPattern) == weights.tensor.toArray().map(\.bitPattern))
        let t = try file.tensor("t")
        #expect(t.dtype == .int32 && t.shape == [4])
        #expect(try t.int32s() == [0, 7, -1, Int32.max])
        #expect(try file.tensor("scalar").shape == [])
        #expect(try file.tensor("scalar").floats() == [42])
        #expect(try file.tensor("empty").count == 0)
        #expect(try file.tensor("raw16").floats() == [1, -2])

        // Loading into Canopy tensors converts and checks the shape.
        let loaded = TensorStorage(TensorSpec([2, 3]))
        try w.copy(into: loaded.tensor)
        #expect(loaded.tensor.toArray().map(\.bitPattern) == weights.tensor.toArray().map(\.bitPattern))
        let loadedTargets = TensorStorage(TensorSpec([4], .int32))
        try t.copy(into: loadedTargets.tensor)
        #expect(Array(loadedTargets.tensor.ints) == [0, 7, -1, Int32.max])
        #expect(throws: SafetensorsError.self) { try w.copy(into: TensorStorage(TensorSpec([3, 2])).tensor) }
        #expect(throws: SafetensorsError.self) { try w.copy(into: TensorStorage(TensorSpec([2, 3], .int32)).tensor) }
        try FileManager.default.removeItem(atPath: dir)
    }

    @Test func writerLayoutFollowsTheReference() throws {
        var writer = SafetensorsWriter()
        try writer.add("b", floats: [1, 2], shape: [2])
        try writer.add("a", int32s: [3], shape: [1])
        let bytes = writer.encoded()
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        // Wider dtypes first, then names: F32 "b" before I32 "a"; padded with spaces.
        let expected = #"{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(header == expected + String(repeating: " ", count: length - expected.utf8.count))
        #expect(bytes.count == 8 + length + 12)
        // No metadata object when there is no metadata.
        #expect(!header.contains("__metadata__"))
    }

    @Test func writerRejectsBadTensors() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", floats: [1], shape: [1])
        #expect(throws: SafetensorsError.self) { try writer.add("x", floats: [1], shape: [1]) }
        #expect(throws: SafetensorsError.self) { try writer.add("__metadata__", floats: [1], shape: [1]) }
        #expect(throws: SafetensorsError.self) { try writer.add("y", floats: [1, 2], shape: [3]) }
        #expect(throws: SafetensorsError.self) { try writer.add("z", dtype: .float64, shape: [1], bytes: [0, 0, 0, 0]) }
        #expect(throws: SafetensorsError.self) { try writer.add("n", floats: [], shape: [-1, 0]) }
    }

    @Test func readsHandBuiltHalfBfloatDoubleAndLongTensors() throws {
        let f16 = SafetensorsBytes.le([UInt16(0x3C00), 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0x3555])
        let bf16 = SafetensorsBytes.le([UInt16(0x3F80), 0xC000, 0x4049, 0x0001, 0x7F80])
        let f64 = SafetensorsBytes.le([(1.5 as Double).bitPattern, (-1e-3 as Double).bitPattern, (1e300 as Double).bitPattern])
        let i64 = SafetensorsBytes.le([Int64(1), -5, 1 << 40, Int64(Int32.min)])
        var data: [UInt8] = []
        var entries: [String] = []
        for (name, dtype, shape, bytes) in [
            ("f16", "F16", [2, 5], f16), ("bf16", "BF16", [5], bf16),
            ("f64", "F64", [3, 1], f64), ("i64", "I64", [4], i64),
        ] {
            entries.append(SafetensorsBytes.entry(name, dtype, shape, data.count, data.count + bytes.count))
            data += bytes
        }
        let file = try SafetensorsFile(bytes: SafetensorsBytes.file(header: "{" + entries.joined(separator: ",") + "}", data: data))

        let h = try file.tensor("f16")
        #expect(h.dtype == .float16 && h.shape == [2, 5] && h.count == 10)
        let hv = h.floats()
        #expect(Array(hv[0..<6]) == [1, -2, 0.5, 65504, 0x1p-24, 0])
        #expect(hv[5].sign == .minus)
        #expect(hv[6] == .infinity && hv[7] == -.infinity && hv[8].isNaN)
        #expect(hv[9] == 0.333251953125)
        #expect(throws: SafetensorsError.self) { try h.int32s() }

        let b = try file.tensor("bf16").floats()
        #expect(Array(b[0..<3]) == [1, -2, 3.140625])
        #expect(b[3] == Float(bitPattern: 0x0001_0000) && b[4] == .infinity)

        let d = try file.tensor("f64")
        #expect(d.shape == [3, 1])
        #expect(d.floats() == [1.5, Float(-1e-3), .infinity])

        let l = try file.tensor("i64")
        #expect(l.floats() == [1, -5, 1_099_511_627_776, -2_147_483_648])
        #expect(throws: SafetensorsError.self) { try l.int32s() }
    }

    @Test func readsEveryOtherDtype() throws {
        let cases: [(String, [UInt8], [Float], [Int32]?)] = [
            ("BOOL", [0, 1, 2], [0, 1, 1], [0, 1, 1]),
            ("U8", [0, 200, 255], [0, 200, 255], [0, 200, 255]),
            ("I8", [0, 0x80, 0xFF], [0, -128, -1], [0, -128, -1]),
            ("I16", SafetensorsBytes.le([Int16(-300), 7, Int16.min]), [-300, 7, -32768], [-300, 7, -32768]),
            ("U16", SafetensorsBytes.le([UInt16(65535), 1, 0]), [65535, 1, 0], [65535, 1, 0]),
            ("I32", SafetensorsBytes.le([Int32(-7), 0, 123_456]), [-7, 0, 123_456], [-7, 0, 123_456]),
            ("U32", SafetensorsBytes.le([UInt32(5), 0, 4_000_000_000]), [5, 0, 4e9], nil),
            ("U64", SafetensorsBytes.le([UInt64(5), 0, 9]), [5, 0, 9], [5, 0, 9]),
            ("F32", SafetensorsBytes.le([Float(0.1).bitPattern, Float(-3).bitPattern, 0]), [0.1, -3, 0], nil),
            ("F8_E4M3", [0x38, 0x7E, 0x01], [1, 448, 0x1p-9], nil),
            ("F8_E5M2", [0x3C, 0x7B, 0xFC], [1, 57344, -.infinity], nil),
        ]
        for (dtype, bytes, floats, ints) in cases {
            let file = try SafetensorsFile(
                bytes: SafetensorsBytes.file(
                    header: "{" + SafetensorsBytes.entry("x", dtype, [3], 0, bytes.count) + "}", data: bytes))
            let x = try file.tensor("x")
            #expect(x.dtype.rawValue == dtype)
            #expect(x.floats() == floats, "\(dtype)")
            if let ints {
                #expect(try x.int32s() == ints, "\(dtype)")
            } else {
                #expect(throws: SafetensorsError.self, "\(dtype)") { try x.int32s() }
            }
        }
        // E4M3 has no infinity: S.1111.111 is NaN.
        let nan = try SafetensorsFile(
            bytes: SafetensorsBytes.file(
                header: "{" + SafetensorsBytes.entry("x", "F8_E4M3", [1], 0, 1) + "}", data: [0xFF]))
        #expect(try nan.tensor("x").floats()[0].isNaN)
    }

    @Test func metadataAndMissingTensors() throws {
        let file = try SafetensorsFile(
            bytes: SafetensorsBytes.file(
                header: #"{"__metadata__":{"k":"v"},"#.appending(SafetensorsBytes.entry("x", "F32", [], 0, 4)) + "}    ",
                data: [0, 0, 128, 63]))
        #expect(file.metadata == ["k": "v"])
        #expect(file["x"]?.floats() == [1])
        #expect(file["y"] == nil)
        #expect(throws: SafetensorsError(path: nil, .missingTensor("y"))) { try file.tensor("y") }
    }

    @Test func readsEveryGoldenFile() throws {
        let files = GoldenFiles.allPaths
        #expect(files.count >= 40)
        for path in files {
            let file = try SafetensorsFile(contentsOf: path)
            #expect(file.metadata["op"] != nil, "\(path)")
            let attrs = try JSON.parse(try #require(file.metadata["attrs"], "\(path)"))
            guard case .object = attrs else {
                Issue.record("\(path): attrs is not an object")
                continue
            }
            #expect(Double(file.metadata["tolerance"] ?? "") != nil, "\(path)")
            for tensor in file.tensors {
                #expect(tensor.dtype == .float32 || tensor.dtype == .int32, "\(path) \(tensor.name)")
                #expect(tensor.count == tensor.shape.reduce(1, *))
            }
            // The writer reproduces the data buffer byte for byte and the content exactly.
            var writer = SafetensorsWriter(metadata: file.metadata)
            for tensor in file.tensors {
                try writer.add(tensor.name, dtype: tensor.dtype, shape: tensor.shape, bytes: Array(tensor.bytes))
            }
            let original = try FileIO.contents(of: path)
            let rewritten = writer.encoded()
            let dataBytes = file.tensors.reduce(0) { $0 + $1.bytes.count }
            #expect(rewritten.suffix(dataBytes) == original.suffix(dataBytes), "\(path)")
            let again = try SafetensorsFile(bytes: rewritten)
            #expect(again.metadata == file.metadata)
            #expect(again.names == file.names)
            // Headers agree except for the order of metadata keys.
            func tensorEntries(_ bytes: [UInt8]) throws -> ParamValue {
                let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
                guard case let .object(pairs) = try JSON.parse(bytes: Array(bytes[8..<(8 + n)])) else { return .null }
                return .object(pairs.filter { $0.key != "__metadata__" })
            }
            #expect(try tensorEntries(rewritten) == tensorEntries(original), "\(path)")
            #expect(rewritten.count == original.count)
        }
    }

    @Test func goldenShapesAndValues() throws {
        let dir = GoldenFiles.folders[0].path
        let conv = try SafetensorsFile(contentsOf: dir + "/conv2d_3x3_s1.safetensors")
        #expect(conv.metadata["op"] == "conv2d")
        #expect(try conv.tensor("param.weight").shape == [4, 3, 3, 3])
        #expect(try conv.tensor("in.x").shape == [2, 3, 8, 8])
        #expect(try conv.tensor("out.y").shape == [2, 4, 8, 8])
        #expect(try conv.tensor("param.bias").floats()[0] == 0.806243)

        let ce = try SafetensorsFile(contentsOf: dir + "/cross_entropy_ls0.0.safetensors")
        #expect(try ce.tensor("in.target").dtype == .int32)
        #expect(try Array(ce.tensor("in.target").int32s().prefix(3)) == [0, 5, 3])

        let step = try SafetensorsFile(contentsOf: dir + "/resnet8_sgd_step.safetensors")
        #expect(try step.tensor("param.conv1.weight").shape == [16, 3, 3, 3])
        #expect(try step.tensor("param.fc.weight").shape == [10, 64])
        #expect(try step.tensor("in.x").shape == [4, 3, 32, 32])

        let convnext = try SafetensorsFile(contentsOf: dir + "/models/convnext_tiny_step.safetensors")
        #expect(try convnext.tensor("param.stem.0.weight").shape == [8, 3, 2, 2])
        #expect(try convnext.tensor("state.adamw.exp_avg.head.weight").shape == [10, 32])
        #expect(convnext.tensors.count == 459)
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFile() throws {
        let dir = SafetensorsBytes.temporaryDirectory()
        let path = dir + "/ckpt.safetensors"
        try Array("old contents".utf8).withUnsafeBytes { raw in
            try Data(raw).write(to: URL(fileURLWithPath: path))
        }
        var writer = SafetensorsWriter(metadata: ["epoch": "3"])
        try writer.add("w", floats: [1, 2, 3], shape: [3])
        try writer.write(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["ckpt.safetensors"])
        #expect(try SafetensorsFile(contentsOf: path).metadata == ["epoch": "3"])
        #expect(try FileIO.contents(of: path) == writer.encoded())

        // A second write replaces the first.
        writer.metadata["epoch"] = "4"
        try writer.write(to: path)
        #expect(try SafetensorsFile(contentsOf: path).metadata == ["epoch": "4"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["ckpt.safetensors"])

        // A failed write leaves nothing behind and names the file.
        do {
            try writer.write(to: dir + "/missing/ckpt.safetensors")
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.description.contains(dir + "/missing/ckpt.safetensors"))
            guard case .writeFailed = error.reason else {
                Issue.record("\(error)")
                return
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["ckpt.safetensors"])
        try FileManager.default.removeItem(atPath: dir)
    }
}
