package pc

import "syscall"

const mapNoReserve = syscall.MAP_NORESERVE
