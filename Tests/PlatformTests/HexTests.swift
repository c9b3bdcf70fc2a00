import Crypto
import Foundation
import Platform
import Testing

@Suite struct HexTests {
    @Test func bytesAndDigestsReadAsLowerCaseHex() {
        #expect([UInt8]().hexString == "")
        #expect([0x00, 0x0F, 0xA5, 0xFF].hexString == "000fa5ff")
        // FIPS 180-2's first SHA-256 example.
        #expect(SHA256.hash(data: Data("abc".utf8)).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
