import DokuenCore
import Testing

@Suite struct ByteSizeTests {
    @Test(
        arguments: [
            (0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
            (1_048_575, "1.0 MiB"), (1_524_710, "1.5 MiB"), (10_485_760, "10.0 MiB"), (1_073_741_824, "1.0 GiB"),
            (5_000_000_000_000, "4656.6 GiB"),
        ] as [(Int64, String)])
    func text(bytes: Int64, expected: String) {
        #expect(ByteSize.text(bytes) == expected)
    }
}
