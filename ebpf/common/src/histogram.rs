//! log2 histograms: filled in the kernel, printed by user space
//! (`bpfbin::output::histogram`). Slot `i` counts the values whose floor(log2) is
//! `i` (slot 0 also counts 0), as libbpf-tools' histograms do; the last slot
//! also counts everything beyond it.

use crate::TASK_COMM_LEN;

/// A histogram with the name of the task it belongs to, as the tools keep
/// per process or per thread (runqlat, cpudist); `N` is the tool's slot count.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskHist<const N: usize> {
    pub slots: [u32; N],
    pub comm: [u8; TASK_COMM_LEN],
}

impl<const N: usize> Default for TaskHist<N> {
    fn default() -> Self {
        Self { slots: [0; N], comm: [0; TASK_COMM_LEN] }
    }
}

#[cfg(feature = "user")]
// SAFETY: repr(C), u32s then bytes: no padding for any N.
unsafe impl<const N: usize> aya::Pod for TaskHist<N> {}

/// floor(log2(v)), 0 for 0. Branch-free halving: the BPF target has no
/// count-leading-zeros instruction.
pub fn log2(v: u64) -> u32 {
    let high = (v >> 32) as u32;
    if high != 0 { log2_u32(high) + 32 } else { log2_u32(v as u32) }
}

fn log2_u32(mut v: u32) -> u32 {
    let mut r = ((v > 0xffff) as u32) << 4;
    v >>= r;
    let mut shift = ((v > 0xff) as u32) << 3;
    v >>= shift;
    r |= shift;
    shift = ((v > 0xf) as u32) << 2;
    v >>= shift;
    r |= shift;
    shift = ((v > 0x3) as u32) << 1;
    v >>= shift;
    r | shift | (v >> 1)
}

/// The slot of `value` in a histogram of `slots` slots.
pub fn slot(value: u64, slots: usize) -> usize {
    (log2(value) as usize).min(slots - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_is_the_floor() {
        assert_eq!(log2(0), 0);
        assert_eq!(log2(1), 0);
        assert_eq!(log2(2), 1);
        assert_eq!(log2(3), 1);
        assert_eq!(log2(1023), 9);
        assert_eq!(log2(1024), 10);
        assert_eq!(log2(u32::MAX as u64), 31);
        assert_eq!(log2(1 << 32), 32);
        assert_eq!(log2(u64::MAX), 63);
        for shift in 0..64 {
            assert_eq!(log2(1 << shift), shift);
            assert_eq!(log2((1 << shift) | ((1 << shift) - 1)), shift);
        }
    }

    #[test]
    fn slots_are_clamped_to_the_last() {
        assert_eq!(slot(0, 26), 0);
        assert_eq!(slot(5, 26), 2);
        assert_eq!(slot(1 << 25, 26), 25);
        assert_eq!(slot(1 << 40, 26), 25);
    }
}
