package pc

// The schedule: how the CPUs share a round.
//
// A round is a window of m.slice ns of virtual time in which every CPU retires up to m.slice
// instructions (one instruction is one ns). With one CPU the round is one turn. With more,
// each CPU's share is cut into turns of varying length, and the turns of all CPUs are
// interleaved in a varying order, both drawn from a seeded generator: as on real hardware,
// which CPU gets ahead of which changes along a run, so a race that needs one particular
// interleaving happens now and then instead of always or never. The generator is the only
// source of variation, so the same seed, images and input still give the same bytes.

// DefaultSchedSeed is the schedule's seed when Config.SchedSeed is not set.
const DefaultSchedSeed = 1

// sched is the state of the schedule. It lives across RunFor calls so that a round a
// debugger stopped in the middle of a turn resumes exactly where it stopped.
type sched struct {
	rng     uint64 // splitmix64 state
	left    []int  // per CPU: instructions of the current round not yet run
	inRound bool   // a round has begun and not ended
	cpu     int    // the CPU whose turn a debugger stopped, -1 if none
	turn    int    // what is left of that turn
}

// reset forgets any round in progress (a reboot, a debugger's reset).
func (s *sched) reset() {
	s.inRound, s.cpu, s.turn = false, -1, 0
}

// next returns a pseudo-random 64-bit number (splitmix64).
func (s *sched) next() uint64 {
	s.rng += 0x9E3779B97F4A7C15
	z := s.rng
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// intn returns a pseudo-random number in [0, n), n > 0.
func (s *sched) intn(n int) int {
	return int(s.next() % uint64(n))
}

// offset is how far into the round CPU i's clock is (0 between rounds).
func (s *sched) offset(i, slice int) int64 {
	if !s.inRound {
		return 0
	}
	return int64(slice - s.left[i])
}

// begin starts a round in which every CPU has slice instructions to run.
func (s *sched) begin(cpus, slice int) {
	if len(s.left) != cpus {
		s.left = make([]int, cpus)
	}
	for i := range s.left {
		s.left[i] = slice
	}
	s.inRound, s.cpu = true, -1
}

// pick chooses the next turn of the round: a CPU with instructions left, other than skip
// (-1: none), and how many it runs. ok is false when the round is over, or only skip has
// instructions left (it is held back: its share of the round passes idle). A turn a
// debugger stopped comes first.
func (s *sched) pick(slice, skip int) (cpu, budget int, ok bool) {
	if s.cpu >= 0 && s.cpu != skip {
		cpu, budget = s.cpu, s.turn
		s.cpu = -1
		if budget > 0 && s.left[cpu] > 0 {
			return cpu, min(budget, s.left[cpu]), true
		}
	}
	n := 0
	for i, l := range s.left {
		if l > 0 && i != skip {
			n++
		}
	}
	if n == 0 {
		return -1, 0, false
	}
	if len(s.left) == 1 {
		return 0, s.left[0], true
	}
	k := s.intn(n)
	for i, l := range s.left {
		if l > 0 && i != skip {
			if k == 0 {
				cpu = i
				break
			}
			k--
		}
	}
	return cpu, min(s.turnLength(slice), s.left[cpu]), true
}

// turnLength draws the length of a turn: mostly long turns (a CPU runs on its own for a
// while, which keeps switching cheap), and now and then a short one, so that the CPUs also
// meet at fine grain.
func (s *sched) turnLength(slice int) int {
	r := s.next()
	if r&3 == 0 {
		return 1 + int(r>>2%uint64(max(1, slice/16)))
	}
	return 1 + int(r>>2%uint64(slice))
}
