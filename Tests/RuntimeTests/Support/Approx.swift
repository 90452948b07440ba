import Testing

/// Expects `actual` and `expected` to have the same length and to agree element by
/// element within `tolerance` (absolute, plus the same amount relative to |expected|).
func expectApprox(
    _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "got \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        #expect(abs(a - e) <= tolerance * (1 + abs(e)), "element \(i): got \(a), expected \(e)", sourceLocation: sourceLocation)
    }
}
