import CanopySpecs
import Testing

@Suite struct ScalarTypingTests {
    /// Plain scalars resolve by the YAML 1.2 core schema.
    static let table: [(String, Scalar.Value)] = [
        ("", .null), ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null),
        ("true", .bool(true)), ("True", .bool(true)), ("FALSE", .bool(false)),
        ("0", .int(0)), ("-17", .int(-17)), ("+5", .int(5)), ("007", .int(7)),
        ("0x1F", .int(31)), ("0o17", .int(15)), ("9223372036854775807", .int(Int.max)),
        ("1.5", .double(1.5)), ("-.5", .double(-0.5)), ("1.", .double(1)), ("1e3", .double(1000)),
        ("6.02E+23", .double(6.02e23)), (".inf", .double(.infinity)), ("-.Inf", .double(-.infinity)),
        ("1e-999999", .double(0)),
        ("yes", .string), ("no", .string), ("on", .string), ("0b101", .string), ("1_000", .string),
        ("0x", .string), ("0o8", .string), ("1.2.3", .string), ("e5", .string), ("1e", .string),
        (".", .string), ("-", .string), ("+.5e", .string), ("0xG", .string), ("nan", .string), ("TRUE!", .string),
    ]

    @Test(arguments: table)
    func plainScalarResolvesByTheCoreSchema(_ text: String, _ value: Scalar.Value) {
        #expect(Scalar(plain: text).value == value, "\(text)")
    }

    @Test func nanIsANumber() {
        guard case let .double(d) = Scalar(plain: ".NaN").value else {
            Issue.record("not a double")
            return
        }
        #expect(d.isNaN)
    }

    @Test func quotedScalarsStayStrings() throws {
        let root = try #require(parse("a: \"1\"\nb: 'true'\nc: 1\nd: |\n  2\n").node)
        #expect(root["a"]!.string == "1")
        #expect(root["a"]!.int == nil)
        #expect(root["b"]!.bool == nil)
        #expect(root["c"]!.int == 1)
        #expect(root["c"]!.string == nil)
        #expect(root["d"]!.string == "2\n")
    }

    @Test func accessorsConvertWhereLossless() throws {
        let root = try #require(parse("i: 3\nd: 3.0\nh: 3.5\n").node)
        #expect(root["i"]!.double == 3)
        #expect(root["d"]!.int == 3)
        #expect(root["h"]!.int == nil)
        #expect(root["h"]!.kindAndValue == "a number 3.5")
    }

    @Test func numbersOutOfRangeAreErrors() throws {
        let (node, diagnostics) = parse("a: 99999999999999999999999\nb: 1e999999\nc: 0xFFFFFFFFFFFFFFFFFF\n")
        let root = try #require(node)
        #expect(
            messages(diagnostics) == [
                "t.yaml:1:4: error: integer 99999999999999999999999 does not fit in 64 bits",
                "t.yaml:2:4: error: number 1e999999 is out of range (write .inf for infinity)",
                "t.yaml:3:4: error: integer 0xFFFFFFFFFFFFFFFFFF does not fit in 64 bits",
            ])
        #expect(root["a"]!.double == 1e23)
        #expect(root["b"]!.double == .infinity)
    }

    @Test func conversionToParamValue() throws {
        let root = try #require(parse("a: [1, 2.5, x, \"3\", true, ~]\nb: {c: d}\n").node)
        #expect(
            root.paramValue
                == .object([
                    ("a", .array([.int(1), .double(2.5), .string("x"), .string("3"), .bool(true), .null])),
                    ("b", .object([("c", .string("d"))])),
                ]))
    }
}
