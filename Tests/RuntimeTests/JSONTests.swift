import CanopyRuntime
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSON.parse(#" { "b": [1, -2, 3.5, -0.25e2, 1E3, true, false, null], "a": {"s": "x\"y\\z\/\n\t\u00e9\ud83d\ude00"} } "#)
        let expected = ParamValue.object([
            ("b", .array([.int(1), .int(-2), .double(3.5), .double(-25), .double(1000), .bool(true), .bool(false), .null])),
            ("a", .object([("s", .string("x\"y\\z/\n\té😀"))])),
        ])
        #expect(v == expected)
        // Key order is kept as written.
        guard case let .object(pairs) = v else {
            Issue.record("not an object")
            return
        }
        #expect(pairs.map(\.key) == ["b", "a"])
    }

    @Test func scalarsAtTopLevel() throws {
        #expect(try JSON.parse("42") == .int(42))
        #expect(try JSON.parse("\"hi\"") == .string("hi"))
        #expect(try JSON.parse(" null ") == .null)
        #expect(try JSON.parse("[]") == .array([]))
        #expect(try JSON.parse("{}") == .object([]))
    }

    @Test func integersBeyondIntBecomeDoubles() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(Int.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(Int.min))
        #expect(try JSON.parse("92233720368547758070") == .double(9.223372036854775807e19))
    }

    @Test func roundTripsThroughText() throws {
        let values: [ParamValue] = [
            .object([
                ("lr", .double(0.1)), ("wd", .double(5e-4)), ("tiny", .double(1e-300)), ("big", .double(1.7976931348623157e308)),
                ("third", .double(1.0 / 3.0)), ("whole", .double(2)), ("negzero", .double(-0.0)), ("n", .int(-7)),
                ("s", .string("quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{0} é 😀")),
                ("list", .array([.null, .bool(true), .array([]), .object([])])),
                ("", .string("")),
            ]),
            .array([.int(Int.max), .int(Int.min), .double(123456.789e10)]),
        ]
        for value in values {
            let text = JSON.serialize(value)
            let back = try JSON.parse(text)
            #expect(back == value, "\(text)")
            #expect(JSON.serialize(back) == text)
        }
    }

    @Test func serializesCompactlyWithEscapes() {
        let v = ParamValue.object([("a", .array([.int(1), .double(2.5), .string("x\u{1}\"")])), ("b", .null)])
        #expect(JSON.serialize(v) == #"{"a":[1,2.5,"x\u0001\""],"b":null}"#)
        #expect(JSON.serialize(.double(.nan)) == "null")
        #expect(JSON.serialize(.double(.infinity)) == "null")
        #expect(JSON.serialize(.double(3)) == "3.0")
    }

    @Test(
        arguments: [
            ("", 0), (" ", 1), ("[1,]", 3), ("[1 2]", 3), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("{1:2}", 1),
            ("[01]", 1), ("[-]", 2), ("[1.]", 3), ("[1e]", 3), ("[.5]", 1), ("[+1]", 1), ("[1e999]", 1),
            ("[NaN]", 1), ("[Infinity]", 1), ("[tru]", 1), ("[nul", 1), ("\"abc", 0), ("\"a\u{1}b\"", 2),
            ("\"\\x\"", 1), ("\"\\u12G4\"", 5), ("\"\\ud800\"", 1), ("\"\\udc00\"", 1), ("\"\\ud800\\u0041\"", 7),
            ("[1] 2", 4), ("[1]]", 3), ("{\"a\":1}{", 7), ("[", 1), ("{", 1), ("{\"a\":", 5), ("\u{FEFF}1", 0),
            ("{\"a\":1,\"a\":2}", 7), ("'a'", 0), ("[1,,2]", 3),
        ] as [(String, Int)])
    func malformedInputFailsAtTheRightOffset(text: String, offset: Int) {
        do {
            let v = try JSON.parse(text)
            Issue.record("parsed \(text.debugDescription) as \(v)")
        } catch {
            #expect(error.offset == offset, "\(text.debugDescription): \(error)")
        }
    }

    @Test func invalidUTF8IsAnError() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
        #expect(throws: JSONError.self) { try JSON.parse(bytes: bytes) }
        // Non-ASCII bytes outside strings are unexpected characters.
        #expect(throws: JSONError.self) { try JSON.parse(bytes: [0x5B, 0xFF, 0x5D]) }
    }

    @Test func duplicateKeysCanBeKept() throws {
        let v = try JSON.parse("{\"a\":1,\"a\":2}", allowDuplicateKeys: true)
        #expect(v == .object([("a", .int(1)), ("a", .int(2))]))
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        for open in ["[", "{\"k\":"] {
            let deep = String(repeating: open, count: 10_000)
            do {
                _ = try JSON.parse(deep)
                Issue.record("parsed 10000 levels")
            } catch {
                #expect(error.message.contains("nesting deeper than \(JSON.maxDepth)"))
            }
        }
        // Exactly the limit is fine.
        let ok = String(repeating: "[", count: JSON.maxDepth) + String(repeating: "]", count: JSON.maxDepth)
        _ = try JSON.parse(ok)
        let over = "[" + ok + "]"
        #expect(throws: JSONError.self) { try JSON.parse(over) }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededRandom(seed: 7)
        let alphabet = Array("{}[],:\"\\0123456789-+.eEtrufalsn u\u{7F}".utf8) + [0xC3, 0xA9, 0xFF, 0x0A]
        for _ in 0..<3000 {
            let n = Int(rng.next() % 24)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if let v = try? JSON.parse(bytes: bytes) {
                // Whatever parses must survive a round trip.
                #expect((try? JSON.parse(JSON.serialize(v))) == v)
            }
        }
    }
}
