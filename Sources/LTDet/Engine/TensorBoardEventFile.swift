import Foundation

/// Scalars as a TensorBoard event file (tf_logs/events.out.tfevents.<time>.<host> in the work directory, where
/// mmcv's TensorboardLoggerHook puts it), written natively: `tensorboard --logdir` and W&B's TensorBoard sync
/// read it without TensorFlow or PyTorch here.
///
/// The file is a TFRecord stream (per record: length as UInt64 LE, its masked CRC-32C, the bytes, their masked
/// CRC-32C) of `tensorflow.Event` protocol buffers: the first holds `file_version = "brain.Event:2"`, each later one
/// a wall time, a step and a `Summary` of (tag, simple_value) pairs. The few fields needed are encoded by hand.
final class TensorBoardEventFile {
    let url: URL

    init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        var event = Protobuf()
        event.double(field: 1, Date().timeIntervalSince1970)
        event.bytes(field: 3, Array("brain.Event:2".utf8))
        try append(record: event.bytes)
    }

    /// One event holding every value as a scalar under "<prefix>/<key>" (mmcv's tags: train/loss, val/bbox_AP).
    func add(_ values: [String: Double], prefix: String, step: Int) throws {
        var summary = Protobuf()
        for key in values.keys.sorted() {
            var value = Protobuf()
            value.bytes(field: 1, Array("\(prefix)/\(key)".utf8))
            value.float(field: 2, Float(values[key]!))
            summary.bytes(field: 1, value.bytes)
        }
        var event = Protobuf()
        event.double(field: 1, Date().timeIntervalSince1970)
        event.varint(field: 2, UInt64(max(step, 0)))
        event.bytes(field: 5, summary.bytes)
        try append(record: event.bytes)
    }

    private func append(record: [UInt8]) throws {
        var framed: [UInt8] = []
        let length = Protobuf.littleEndian(UInt64(record.count))
        framed += length + Protobuf.littleEndian(CRC32C.masked(length))
        framed += record + Protobuf.littleEndian(CRC32C.masked(record))
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(framed))
    }
}

/// The protocol-buffer wire format for the field kinds an event needs (varint, 64-bit, 32-bit, length-delimited).
struct Protobuf {
    private(set) var bytes: [UInt8] = []

    mutating func varint(field: Int, _ value: UInt64) {
        key(field, wireType: 0)
        appendVarint(value)
    }

    mutating func double(field: Int, _ value: Double) {
        key(field, wireType: 1)
        bytes += Protobuf.littleEndian(value.bitPattern)
    }

    mutating func float(field: Int, _ value: Float) {
        key(field, wireType: 5)
        bytes += Protobuf.littleEndian(value.bitPattern)
    }

    mutating func bytes(field: Int, _ value: [UInt8]) {
        key(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    private mutating func key(_ field: Int, wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
