//! Counter arithmetic. No I/O here.
//!
//! A counter only grows, except when it is reset or its device is swapped (a printer's
//! board replaced, a mailbox recreated): a value lower than the one before starts a new
//! baseline. Nothing is counted for that step, since how much was used between the last
//! reading and the reset is unknown; counting the new value whole (as Prometheus'
//! `increase()` does) would charge a replacement board's own past pages to this device.

/// What a series of counter values adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Increase {
    /// Sum of the non-negative steps.
    pub total: f64,
    /// How many times the counter went down and a new baseline started.
    pub resets: u32,
}

/// The increase over `values`, in time order.
pub fn increase(values: impl IntoIterator<Item = f64>) -> Increase {
    let mut out = Increase::default();
    let mut last: Option<f64> = None;
    for v in values {
        if let Some(prev) = last {
            if v >= prev {
                out.total += v - prev;
            } else {
                out.resets += 1;
            }
        }
        last = Some(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_growing_counter_adds_its_steps() {
        assert_eq!(
            increase([100.0, 150.0, 150.0, 400.0]),
            Increase {
                total: 300.0,
                resets: 0
            }
        );
    }

    #[test]
    fn a_counter_that_goes_down_starts_a_new_baseline_and_never_a_negative_step() {
        // 1000 -> 1200 (+200), reset to 30 (new baseline, +0), 30 -> 80 (+50).
        let i = increase([1000.0, 1200.0, 30.0, 80.0]);
        assert_eq!(i.total, 250.0);
        assert_eq!(i.resets, 1);
        // A swapped device with a larger counter is a step up, and one lower a new baseline.
        assert!(increase([5.0, 3.0, 1.0]).total == 0.0);
    }

    #[test]
    fn a_counter32_that_wraps_starts_a_new_baseline() {
        // 2^32 - 6, then 15 after the wrap, then 40: only the step after the wrap counts
        // (what was printed across the wrap is unknown), never a negative step.
        let i = increase([4_294_967_280.0, 4_294_967_290.0, 15.0, 40.0]);
        assert_eq!(i.total, 10.0 + 25.0);
        assert_eq!(i.resets, 1);
    }

    #[test]
    fn one_reading_or_none_is_no_increase() {
        assert_eq!(increase([]), Increase::default());
        assert_eq!(increase([42.0]), Increase::default());
    }
}
