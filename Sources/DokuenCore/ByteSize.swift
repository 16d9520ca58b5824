/// How people read an amount of bytes: `512 bytes`, `1.5 KiB`, `1.5 MiB`, `2.0 GiB` (binary units, one decimal,
/// rounded half up), as `status` and the event log show the log output a full disk made a shim drop.
public enum ByteSize {
    public static func text(_ bytes: Int64) -> String {
        if bytes < 1024 { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        var unit: Int64 = 1024
        for name in ["KiB", "MiB", "GiB"] {
            let tenths = (bytes * 10 + unit / 2) / unit
            if tenths < 10_240 || name == "GiB" { return "\(tenths / 10).\(tenths % 10) \(name)" }
            unit *= 1024
        }
        return "\(bytes) bytes"  // not reached
    }
}
