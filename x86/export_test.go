package x86

// SetJITChunks makes CodeCaches created from now on translate into at most n chunks of size
// bytes; the returned func restores the defaults.
func SetJITChunks(size, n int) func() {
	oldSize, oldN := jitChunk, jitChunks
	jitChunk, jitChunks = size, n
	return func() { jitChunk, jitChunks = oldSize, oldN }
}

// JITFlushes says how many times k dropped every block for want of executable memory.
func (k *CodeCache) JITFlushes() int {
	if k.jit == nil {
		return 0
	}
	return k.jit.flushes
}
