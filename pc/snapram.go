package pc

// retain adds a user of the image (a snapshot, or a machine whose RAM maps it).
func (r *ramImage) retain() { r.refs.Add(1) }

// release drops a user; the last one frees the image. Safe on nil.
func (r *ramImage) release() {
	if r != nil && r.refs.Add(-1) == 0 {
		r.close()
	}
}
