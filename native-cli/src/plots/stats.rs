//! The numbers behind the charts, computed from the predictions without
//! drawing anything: calibration bins and expected calibration error, top-k
//! accuracy, the byte confusion matrix, the moving average of bits per byte,
//! and compact formatting of counts for labels.

use super::{Prediction, WINDOW_DIVISOR};

// ---------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------

/// One non-empty confidence bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CalibrationBin {
    /// Lower edge of the bin (inclusive).
    pub(super) lower: f64,
    /// Upper edge of the bin (exclusive, except 1.0 for the last bin).
    pub(super) upper: f64,
    /// Number of predictions whose confidence fell in the bin.
    pub(super) count: usize,
    /// Mean confidence of those predictions.
    pub(super) mean_confidence: f64,
    /// Fraction of those predictions that were right (rank 0).
    pub(super) accuracy: f64,
}

/// Bins the top-prediction confidences into `bins` equal bins over [0, 1];
/// empty bins are left out. A confidence of exactly 1.0 goes in the last bin.
pub(super) fn calibration_bins(predictions: &[Prediction], bins: usize) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut count = vec![0usize; bins];
    let mut correct = vec![0usize; bins];
    let mut confidence = vec![0f64; bins];
    for p in predictions {
        let c = if p.confidence.is_finite() {
            p.confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let i = ((c * bins as f64) as usize).min(bins - 1);
        count[i] += 1;
        correct[i] += usize::from(p.rank == 0);
        confidence[i] += c;
    }
    (0..bins)
        .filter(|&i| count[i] > 0)
        .map(|i| CalibrationBin {
            lower: i as f64 / bins as f64,
            upper: (i + 1) as f64 / bins as f64,
            count: count[i],
            mean_confidence: confidence[i] / count[i] as f64,
            accuracy: correct[i] as f64 / count[i] as f64,
        })
        .collect()
}

/// Expected calibration error: count-weighted mean |accuracy − confidence|.
pub(super) fn expected_calibration_error(bins: &[CalibrationBin]) -> f64 {
    let total: usize = bins.iter().map(|b| b.count).sum();
    if total == 0 {
        return 0.0;
    }
    let weighted: f64 = bins
        .iter()
        .map(|b| b.count as f64 * (b.accuracy - b.mean_confidence).abs())
        .sum();
    weighted / total as f64
}

// ---------------------------------------------------------------------------
// Top-k accuracy
// ---------------------------------------------------------------------------

/// Top-k accuracy for k = 1..=`max_k`: the fraction of bytes whose rank is
/// below k. Empty input gives zeros.
pub(super) fn top_k_accuracy(predictions: &[Prediction], max_k: usize) -> Vec<f64> {
    let mut by_rank = [0usize; 256];
    for p in predictions {
        by_rank[usize::from(p.rank)] += 1;
    }
    let total = predictions.len().max(1) as f64;
    let mut cumulative = 0usize;
    (0..max_k)
        .map(|rank| {
            cumulative += by_rank.get(rank).copied().unwrap_or(0);
            cumulative as f64 / total
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Confusion
// ---------------------------------------------------------------------------

/// Byte confusion among the most frequent actual bytes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Confusion {
    /// The bytes, most frequent first (ties by byte value).
    pub(super) bytes: Vec<u8>,
    /// `cells[row][col]`: fraction of the occurrences of `bytes[row]` for
    /// which the model's top prediction was `bytes[col]`. A row sums to at
    /// most 1: predictions of other bytes count but are not shown.
    pub(super) cells: Vec<Vec<f64>>,
}

/// Confusion between the `limit` most frequent actual bytes.
pub(super) fn confusion(predictions: &[Prediction], limit: usize) -> Confusion {
    let mut counts = vec![[0usize; 256]; 256];
    let mut frequency = [0usize; 256];
    for p in predictions {
        frequency[usize::from(p.actual)] += 1;
        counts[usize::from(p.actual)][usize::from(p.predicted)] += 1;
    }
    let mut bytes: Vec<u8> = (0..=u8::MAX)
        .filter(|&b| frequency[usize::from(b)] > 0)
        .collect();
    bytes.sort_by_key(|&b| (std::cmp::Reverse(frequency[usize::from(b)]), b));
    bytes.truncate(limit);
    let cells = bytes
        .iter()
        .map(|&row| {
            let total = frequency[usize::from(row)] as f64;
            let row = &counts[usize::from(row)];
            bytes
                .iter()
                .map(|&col| row[usize::from(col)] as f64 / total)
                .collect()
        })
        .collect();
    Confusion { bytes, cells }
}

// ---------------------------------------------------------------------------
// Bits per byte along the file
// ---------------------------------------------------------------------------

/// The moving-average window for a file of `len` bytes.
pub(super) fn bits_window(len: usize) -> usize {
    (len / WINDOW_DIVISOR).max(1)
}

/// Trailing moving average of `bits` over `window` bytes, as
/// (offset of the window's last byte, mean bits). Keeps about
/// `max_points` points, always including the last full window.
pub(super) fn moving_average(bits: &[f64], window: usize, max_points: usize) -> Vec<(f64, f64)> {
    let window = window.clamp(1, bits.len().max(1));
    if bits.len() < window {
        return Vec::new();
    }
    let first = window - 1;
    let stride = ((bits.len() - first) / max_points.max(1)).max(1);
    let mut sum: f64 = bits[..window].iter().sum();
    let mut points = Vec::with_capacity((bits.len() - first) / stride + 2);
    for end in first..bits.len() {
        if end > first {
            sum += bits[end] - bits[end - window];
        }
        if (end - first).is_multiple_of(stride) || end + 1 == bits.len() {
            points.push((end as f64, sum / window as f64));
        }
    }
    points
}

// ---------------------------------------------------------------------------
// Number formatting
// ---------------------------------------------------------------------------

/// "1 byte", "12.3k bytes": a compact count and a noun, plural unless 1.
pub(super) fn plural(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", compact_count(n))
}

/// Formats a count compactly: 950, 12.3k, 4.56M, 1.2G.
pub(super) fn compact_count(n: usize) -> String {
    let x = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => trim_number(x / 1e3, "k"),
        1_000_000..1_000_000_000 => trim_number(x / 1e6, "M"),
        _ => trim_number(x / 1e9, "G"),
    }
}

/// `value` with up to three significant digits and `suffix`, no trailing zeros.
fn trim_number(value: f64, suffix: &str) -> String {
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::prediction;

    #[test]
    fn top_k_fractions() {
        let ranks = [0u8, 0, 0, 1, 2, 2, 5, 9, 10, 255];
        let predictions: Vec<_> = ranks
            .iter()
            .map(|&r| prediction(0, 0, 0.5, r, 1.0))
            .collect();
        assert_eq!(
            top_k_accuracy(&predictions, 10),
            [0.3, 0.4, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.8]
        );
        assert_eq!(top_k_accuracy(&[], 3), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn calibration_bins_skip_empty_and_keep_one_in_last_bin() {
        let predictions = [
            prediction(0, 0, 0.05, 0, 1.0),
            prediction(0, 0, 0.05, 3, 1.0),
            prediction(0, 0, 0.55, 0, 1.0),
            prediction(0, 0, 1.0, 0, 1.0),
            prediction(0, 0, 0.95, 1, 1.0),
        ];
        let bins = calibration_bins(&predictions, 10);
        assert_eq!(bins.len(), 3);
        assert_eq!(
            (
                bins[0].lower,
                bins[0].upper,
                bins[0].count,
                bins[0].accuracy
            ),
            (0.0, 0.1, 2, 0.5)
        );
        assert!((bins[0].mean_confidence - 0.05).abs() < 1e-12);
        assert_eq!(
            (bins[1].lower, bins[1].count, bins[1].accuracy),
            (0.5, 1, 1.0)
        );
        assert_eq!(
            (
                bins[2].lower,
                bins[2].upper,
                bins[2].count,
                bins[2].accuracy
            ),
            (0.9, 1.0, 2, 0.5)
        );
        assert!((bins[2].mean_confidence - 0.975).abs() < 1e-12);
        let ece = expected_calibration_error(&bins);
        assert!((ece - (2.0 * 0.45 + 0.45 + 2.0 * 0.475) / 5.0).abs() < 1e-12);
    }

    #[test]
    fn confusion_orders_by_frequency_and_normalises_over_all_predictions() {
        let mut predictions = vec![prediction(b'b', b'b', 0.5, 0, 1.0); 3];
        predictions.push(prediction(b'b', b'z', 0.5, 1, 1.0));
        predictions.push(prediction(b'a', b'b', 0.5, 1, 1.0));
        predictions.push(prediction(b'c', b'c', 0.5, 0, 1.0));
        predictions.push(prediction(b'a', b'a', 0.5, 0, 1.0));
        let c = confusion(&predictions, 2);
        assert_eq!(c.bytes, [b'b', b'a']);
        assert_eq!(c.cells, [[0.75, 0.0], [0.5, 0.5]]);
        assert_eq!(confusion(&predictions, 20).bytes, [b'b', b'a', b'c']);
    }

    #[test]
    fn moving_average_and_window() {
        assert_eq!(bits_window(0), 1);
        assert_eq!(bits_window(199), 1);
        assert_eq!(bits_window(1000), 5);
        let bits = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(
            moving_average(&bits, 2, 100),
            [(1.0, 1.5), (2.0, 2.5), (3.0, 3.5), (4.0, 4.5)]
        );
        assert_eq!(
            moving_average(&bits, 2, 2),
            [(1.0, 1.5), (3.0, 3.5), (4.0, 4.5)]
        );
        assert_eq!(moving_average(&bits, 9, 100), [(4.0, 3.0)]);
        assert_eq!(moving_average(&[], 1, 100), []);
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact_count(950), "950");
        assert_eq!(compact_count(1000), "1k");
        assert_eq!(compact_count(12_345), "12.3k");
        assert_eq!(compact_count(4_560_000), "4.56M");
        assert_eq!(compact_count(250_000_000), "250M");
    }
}
