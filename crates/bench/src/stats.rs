//! Order statistics of samples, and the one JSON shape every timing is written in.

use serde_json::{Value, json};

/// The value below which `share` (0–1) of the samples fall (nearest rank); 0 for no samples.
pub fn percentile(samples: &[f64], share: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn median(samples: &[f64]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// `{n, median, p90, p99, min, max}`, rounded to what the clock can tell apart.
pub fn summary(samples: &[f64]) -> Value {
    let round = |value: f64| (value * 1000.0).round() / 1000.0;
    json!({
        "n": samples.len(),
        "median": round(median(samples)),
        "p90": round(percentile(samples, 0.90)),
        "p99": round(percentile(samples, 0.99)),
        "min": round(percentile(samples, 0.0)),
        "max": round(percentile(samples, 1.0)),
    })
}

pub fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&samples, 0.5), 50.0);
        assert_eq!(percentile(&samples, 0.99), 99.0);
        assert_eq!(percentile(&samples, 1.0), 100.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
