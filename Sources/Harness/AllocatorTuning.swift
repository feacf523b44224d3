#if canImport(Glibc)
    import CMalloc
#endif

/// Keeps freed memory in the process between runs of a sweep.
///
/// A run allocates a few megabytes and frees them all when its world goes; by default
/// glibc gives the top of the heap back to the kernel past 128 KiB free and serves blocks
/// over 128 KiB by `mmap`, so the next run faults every page in again (a profile of the
/// lock scenarios showed ~5 % of the time in page faults). Raising the thresholds keeps
/// those pages for reuse; a sweep's resident memory then stays at its high-water mark
/// instead of falling back between runs, which does not grow with the number of seeds.
public enum AllocatorTuning {
    /// Idempotent; call once before running many worlds.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
            _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
            _ = mallopt(M_TOP_PAD, 4 << 20)
            _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        #endif
    }
}
