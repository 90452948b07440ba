/// A stable sort of one contiguous float row, the arithmetic of the `sort` kernel.
///
/// Each element becomes one 64-bit key: the high half orders the value, the low half is
/// its position in the row. Keys are distinct, so sorting them ascending gives exactly
/// the stable order (equal values keep the lower input index first, as
/// `torch.sort(stable=True)`) for any sort algorithm; the one used is a bottom-up merge
/// sort over insertion-sorted runs of 16, O(n log n) in every case, in caller scratch.
///
/// The value order is PyTorch's: -0 and +0 are equal (a tie), and NaN is above +inf, so
/// NaNs come last ascending and first descending.
enum RowSort {
    /// Length of the insertion-sorted runs the merge passes start from.
    static let run = 16

    /// Scratch bytes one row of `count` elements needs: two buffers of `count` keys.
    static func scratchBytes(_ count: Int) -> Int { 2 * count * MemoryLayout<UInt64>.stride }

    /// Sorts the `count` floats at `x` into `values`, with their positions in `x` in
    /// `indices`. `scratch` holds `2 * count` keys.
    static func sort(
        _ x: UnsafePointer<Float>, count n: Int, descending: Bool, values: UnsafeMutablePointer<Float>,
        indices: UnsafeMutablePointer<Int32>, scratch: UnsafeMutablePointer<UInt64>
    ) {
        var source = scratch, target = scratch + n
        for j in 0..<n { source[j] = UInt64(order(x[j], descending: descending)) << 32 | UInt64(j) }
        var start = 0
        while start < n {
            let end = min(start + run, n)
            insertionSort(source, start, end)
            start = end
        }
        var width = run
        while width < n {
            var lo = 0
            while lo < n {
                let mid = min(lo + width, n), hi = min(lo + 2 * width, n)
                merge(source, lo, mid, hi, into: target)
                lo = hi
            }
            swap(&source, &target)
            width *= 2
        }
        for j in 0..<n {
            let i = Int(UInt32(truncatingIfNeeded: source[j]))
            indices[j] = Int32(i)
            values[j] = x[i]
        }
    }

    /// A key whose unsigned order is the value order of `v` (reversed when `descending`):
    /// the IEEE bits with the sign bit flipped for positives and all bits flipped for
    /// negatives; -0 counts as +0 and every NaN as the largest key.
    @inline(__always)
    static func order(_ v: Float, descending: Bool) -> UInt32 {
        let key: UInt32
        if v.isNaN {
            key = .max
        } else {
            let bits = (v == 0 ? 0 : v).bitPattern
            key = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        }
        return descending ? ~key : key
    }

    @inline(__always)
    private static func insertionSort(_ a: UnsafeMutablePointer<UInt64>, _ start: Int, _ end: Int) {
        var i = start + 1
        while i < end {
            let v = a[i]
            var j = i
            while j > start && a[j - 1] > v {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = v
            i += 1
        }
    }

    /// Merges the sorted ranges lo..<mid and mid..<hi of `a` into the same range of `out`.
    @inline(__always)
    private static func merge(
        _ a: UnsafeMutablePointer<UInt64>, _ lo: Int, _ mid: Int, _ hi: Int,
        into out: UnsafeMutablePointer<UInt64>
    ) {
        var i = lo, j = mid, k = lo
        while i < mid && j < hi {
            if a[j] < a[i] {
                out[k] = a[j]
                j += 1
            } else {
                out[k] = a[i]
                i += 1
            }
            k += 1
        }
        while i < mid {
            out[k] = a[i]
            i += 1
            k += 1
        }
        while j < hi {
            out[k] = a[j]
            j += 1
            k += 1
        }
    }
}
