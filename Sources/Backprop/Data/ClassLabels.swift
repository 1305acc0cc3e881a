/// The rule that turns label values (text) into class indices.
///
/// - With a named positive value (binary tasks only): that value is class 1 (target `+1`), the
///   other value class 0 (`−1`).
/// - Otherwise the distinct values are sorted — numerically when every value is a number (so
///   `2 < 10`; equal numbers written differently, like `1` and `1.0`, are ordered by their text),
///   else by their UTF-8 bytes — and class `k` is the `k`-th value. For two classes the larger
///   value is class 1, the positive class: `0/1` → 1 is positive, `-1/1` → 1, `no/yes` → `yes`,
///   `setosa/versicolor` → `versicolor`.
///
/// Distinct means distinct text after dropping the spaces around the cell: `1` and `1.0` are two
/// labels.
public enum ClassLabels {
    /// The class names in class-index order for these distinct `values`.
    ///
    /// Returns `nil` when `positive` is given but is not among `values`. With `positive` given,
    /// the result has the other values first (in the sorted order) and `positive` last; a caller
    /// that needs a binary task checks that there are exactly two values.
    public static func order(_ values: [String], positive: String? = nil) -> [String]? {
        var sorted = values
        let numbers = values.map { Double($0) }
        if numbers.allSatisfy({ $0 != nil && !$0!.isNaN }) {
            let pairs = zip(values, numbers.map { $0! }).sorted { a, b in
                a.1 != b.1 ? a.1 < b.1 : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
            }
            sorted = pairs.map { $0.0 }
        } else {
            sorted.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        guard let positive else { return sorted }
        guard let i = sorted.firstIndex(of: positive) else { return nil }
        sorted.remove(at: i)
        sorted.append(positive)
        return sorted
    }
}
